import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tidu.accounts.models import User
from tidu.accounts.tests.factories import PASSWORD, make_unit, make_user
from tidu.core.models import AuditEntry

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


@pytest.fixture
def officer():
    return make_user("yuekou", User.Role.TOWNSHIP, make_unit())


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_login_page_is_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "登录" in text and "忘记密码" in text and "企业登记" in text
    assert "连续 5 次登录失败" in text


def test_login_success_goes_to_dashboard(client, officer):
    response = attempt(client, "yuekou", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert logged_in(client)


def test_login_honours_safe_next(client, officer):
    response = client.post(LOGIN + "?next=/accounts/profile/",
                           {"username": "yuekou", "password": PASSWORD, "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"


def test_login_failure_shows_chinese_error(client, officer):
    response = attempt(client, "yuekou", "wrong")
    assert response.status_code == 200
    text = response.content.decode()
    assert "用户名或密码不正确" in text
    assert "再连续失败 4 次" in text
    assert not logged_in(client)


def test_inactive_user_cannot_log_in(client, officer):
    officer.is_active = False
    officer.save()
    assert attempt(client, "yuekou", PASSWORD).status_code == 200
    assert not logged_in(client)


ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.20"


def attempt_from(client, address, username, password, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_lockout_after_five_failures_refuses_even_the_right_password(client, officer):
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    fifth = attempt(client, "yuekou", "wrong")
    assert fifth.status_code == 429 and "登录已暂停" in fifth.content.decode()

    sixth = attempt(client, "yuekou", PASSWORD)
    text = sixth.content.decode()
    assert sixth.status_code == 429
    assert not logged_in(client)
    assert "约 15 分钟" in text
    assert reverse("accounts:unlock_request") in text and reverse("accounts:password_reset") in text


def test_victim_elsewhere_still_logs_in_after_an_attackers_failures(client, officer):
    for _ in range(10):
        attempt_from(client, ATTACKER, "yuekou", "wrong")
    assert attempt_from(client, ATTACKER, "yuekou", PASSWORD).status_code == 429
    response = attempt_from(client, VICTIM, "yuekou", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_one_address_spraying_many_usernames_is_stopped(client, officer, settings):
    settings.TIDU_LOGIN_IP_MAX_FAILURES = 6
    for number in range(6):
        attempt_from(client, ATTACKER, f"user{number}", "wrong")
    assert attempt_from(client, ATTACKER, "yuekou", PASSWORD).status_code == 429  # the address is spent
    assert attempt_from(client, VICTIM, "yuekou", PASSWORD).status_code == 302


def test_spoofed_forwarded_for_cannot_raise_the_limit(client, officer, settings):
    settings.TIDU_TRUSTED_PROXIES = 1  # nginx in front, appending the address it saw
    settings.TIDU_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for number in range(5):  # the attacker claims a new address each time; nginx appends the real one
        attempt_from(client, "10.0.0.2", "yuekou", "wrong",
                     HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, {ATTACKER}")
    locked = attempt_from(client, "10.0.0.2", "yuekou", PASSWORD,
                          HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}")
    assert locked.status_code == 429 and not logged_in(client)
    assert attempt_from(client, "10.0.0.2", "yuekou", PASSWORD,
                        HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302


def test_lock_runs_out_after_the_cool_off(client, officer):
    from axes.models import AccessAttempt
    for _ in range(5):
        attempt(client, "yuekou", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = attempt(client, "yuekou", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_each_further_lock_within_a_day_lasts_twice_as_long(client, officer):
    from axes.models import AccessFailureLog
    for _ in range(2):  # two earlier locks of this username from this address today
        AccessFailureLog.objects.create(username="yuekou", ip_address="127.0.0.1", user_agent="", http_accept="",
                                        path_info=LOGIN, locked_out=True)
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    assert "约 60 分钟" in attempt(client, "yuekou", "wrong").content.decode()  # 15 × 2 × 2
    assert attempt_from(client, VICTIM, "yuekou", PASSWORD).status_code == 302  # still only from there


def test_success_resets_the_count(client, officer):
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    assert attempt(client, "yuekou", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    assert attempt(client, "yuekou", PASSWORD).status_code == 302


def test_count_is_per_username_and_case_insensitive(client, officer):
    make_user("kaifaqu", User.Role.TOWNSHIP, make_unit("天门经济开发区"))
    for name in ("yuekou", "YueKou", "YUEKOU", "yuekou", " yuekou"):
        attempt(client, name, "wrong")
    assert not logged_in(client)
    assert attempt(client, "yuekou", PASSWORD).status_code == 429
    assert attempt(client, "kaifaqu", PASSWORD).status_code == 302  # another username is unaffected


def test_unknown_usernames_are_answered_alike(client):
    for _ in range(5):
        attempt(client, "nobody", "wrong")
    assert attempt(client, "nobody", "x").status_code == 429


def test_settings_control_the_limits(client, officer, settings):
    settings.TIDU_LOGIN_MAX_FAILURES = 2
    settings.TIDU_LOGIN_LOCKOUT_MINUTES = 30
    assert "再连续失败 1 次" in attempt(client, "yuekou", "wrong").content.decode()
    text = attempt(client, "yuekou", "wrong").content.decode()
    assert "约 30 分钟" in text


def test_admin_login_obeys_the_lockout(client):
    make_user("root", User.Role.ADMIN, is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for _ in range(5):
        client.post(admin_login, {"username": "root", "password": "wrong"})
    response = client.post(admin_login, {"username": "root", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录已暂停" in response.content.decode()
    assert not logged_in(client)


def test_unlock_by_emailed_link(client, officer):
    for _ in range(5):
        attempt(client, "yuekou", "wrong")
    response = client.post(reverse("accounts:unlock_request"), {"email": "YUEKOU@example.com"})
    assert "请查收邮件" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["yuekou@example.com"]
    link = re.search(r"http://testserver(/accounts/unlock/\S+/)", mail.outbox[0].body).group(1)
    assert "解除锁定" in client.get(link).content.decode()
    assert attempt(client, "yuekou", PASSWORD).status_code == 429  # a GET (a mail scanner) unlocks nothing
    assert client.post(link)["Location"] == LOGIN
    row = AuditEntry.objects.get(action="user.unlock_login")
    assert row.actor is None and row.actor_role == "public" and row.object_id == str(officer.pk)
    assert attempt(client, "yuekou", PASSWORD).status_code == 302


def test_unlock_link_cannot_be_forged_or_reused_after_a_password_change(client, officer):
    from tidu.accounts import throttle
    token = throttle.unlock_token(officer)
    assert client.get(reverse("accounts:unlock", args=[token + "x"])).status_code == 400
    officer.set_password("Another-Horse-43")
    officer.save()
    assert client.get(reverse("accounts:unlock", args=[token])).status_code == 400


def test_unlock_request_for_unknown_email_sends_nothing(client):
    response = client.post(reverse("accounts:unlock_request"), {"email": "nobody@example.com"})
    assert response.status_code == 200 and "请查收邮件" in response.content.decode()
    assert mail.outbox == []


def test_logout_is_post_only(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not logged_in(client)
