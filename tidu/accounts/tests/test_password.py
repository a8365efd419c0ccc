import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from tidu.accounts.models import LoginThrottle, User
from tidu.accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tianmen-Jingling-2026"


@pytest.fixture
def user():
    return make_user("huachu", User.Role.ENTERPRISE, email="huachu@example.com", first_name="刘洋")


def test_reset_sends_a_chinese_email_whose_link_works(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": "HUACHU@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert "请查收邮件" in client.get(response["Location"]).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["huachu@example.com"]
    assert "重设密码" in message.subject
    assert "huachu" in message.body and "刘洋" in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker and redirects
    assert "设置新密码" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    assert "密码已重设" in client.get(done["Location"]).content.decode()

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    reused = client.get(link)  # the link works once only
    assert reused.status_code == 200 and "此重设链接无效" in reused.content.decode()


def test_reset_clears_a_lockout(client, user):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "huachu", "password": "wrong"})
    assert LoginThrottle.objects.filter(username="huachu", locked_until__isnull=False).exists()
    client.post(reverse("accounts:password_reset"), {"email": "huachu@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link)["Location"]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not LoginThrottle.objects.filter(username="huachu").exists()
    response = client.post(reverse("accounts:login"), {"username": "huachu", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_reset_for_unknown_email_sends_nothing_but_looks_the_same(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_reset_with_bad_link_says_so(client, user):
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    assert "此重设链接无效" in client.get(url).content.decode()


def test_password_change(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:password_change"))
    assert "修改密码" in page.content.decode()
    wrong = client.post(reverse("accounts:password_change"), {
        "old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:password_change_done")
    assert "密码已修改" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert SESSION_KEY in client.session  # still logged in after changing


def test_password_change_needs_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
