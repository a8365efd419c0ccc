import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from tidu.accounts.models import User
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
    assert client.post(reverse("accounts:login"), {"username": "huachu", "password": PASSWORD}).status_code == 429
    client.post(reverse("accounts:password_reset"), {"email": "huachu@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link)["Location"]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
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


def test_reset_is_limited_per_account_silently(client, user, settings):
    settings.TIDU_PASSWORD_RESET_PER_ACCOUNT = 2
    for _ in range(4):
        response = client.post(reverse("accounts:password_reset"), {"email": "huachu@example.com"})
        assert response.status_code == 302  # the same answer: nothing told about the account
    assert len(mail.outbox) == 2


def test_reset_is_limited_per_address(client, user, settings):
    settings.TIDU_PASSWORD_RESET_PER_ADDRESS = 3
    for number in range(3):
        assert client.post(reverse("accounts:password_reset"), {"email": f"x{number}@example.com"}).status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": "huachu@example.com"})
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()
    assert mail.outbox == []
    other = client.post(reverse("accounts:password_reset"), {"email": "huachu@example.com"},
                        REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 302 and len(mail.outbox) == 1
