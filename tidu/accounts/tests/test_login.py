from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from tidu.accounts import services
from tidu.accounts.models import LoginThrottle, User
from tidu.accounts.tests.factories import PASSWORD, make_unit, make_user

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
    assert LoginThrottle.objects.get(username="yuekou").failures == 1


def test_inactive_user_cannot_log_in(client, officer):
    officer.is_active = False
    officer.save()
    assert attempt(client, "yuekou", PASSWORD).status_code == 200
    assert not logged_in(client)


def test_lockout_after_five_failures_refuses_even_the_right_password(client, officer):
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    fifth = attempt(client, "yuekou", "wrong").content.decode()
    assert "已被临时锁定" in fifth

    sixth = attempt(client, "yuekou", PASSWORD)
    text = sixth.content.decode()
    assert sixth.status_code == 200
    assert not logged_in(client)
    assert "该账号因连续 5 次登录失败，已被临时锁定" in text
    until = timezone.localtime(LoginThrottle.objects.get(username="yuekou").locked_until)
    assert f"{until.year}年{until.month}月{until.day}日 {until:%H:%M}" in text
    assert "约 15 分钟后解锁" in text


def test_locked_attempts_do_not_extend_the_lock(client, officer):
    for _ in range(5):
        attempt(client, "yuekou", "wrong")
    locked_until = LoginThrottle.objects.get(username="yuekou").locked_until
    attempt(client, "yuekou", "wrong")
    attempt(client, "yuekou", PASSWORD)
    row = LoginThrottle.objects.get(username="yuekou")
    assert row.locked_until == locked_until and row.failures == 5


def test_unlocked_after_the_lockout_window(client, officer):
    for _ in range(5):
        attempt(client, "yuekou", "wrong")
    past = timezone.now() - timedelta(minutes=16)
    LoginThrottle.objects.filter(username="yuekou").update(
        window_started_at=past - timedelta(minutes=1), last_failure_at=past, locked_until=past + timedelta(minutes=1))
    response = attempt(client, "yuekou", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert not LoginThrottle.objects.filter(username="yuekou").exists()


def test_still_locked_one_minute_before_the_end(client, officer):
    for _ in range(5):
        attempt(client, "yuekou", "wrong")
    LoginThrottle.objects.filter(username="yuekou").update(locked_until=timezone.now() + timedelta(minutes=1))
    text = attempt(client, "yuekou", PASSWORD).content.decode()
    assert "约 1 分钟后解锁" in text
    assert not logged_in(client)


def test_success_resets_the_count(client, officer):
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    assert attempt(client, "yuekou", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(username="yuekou").exists()
    client.logout()
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    assert attempt(client, "yuekou", PASSWORD).status_code == 302


def test_failures_outside_the_window_start_a_new_count(client, officer):
    for _ in range(4):
        attempt(client, "yuekou", "wrong")
    LoginThrottle.objects.filter(username="yuekou").update(
        window_started_at=timezone.now() - timedelta(minutes=15, seconds=1))
    attempt(client, "yuekou", "wrong")
    row = LoginThrottle.objects.get(username="yuekou")
    assert row.failures == 1 and row.locked_until is None
    assert attempt(client, "yuekou", PASSWORD).status_code == 302


def test_count_is_per_username_and_case_insensitive(client, officer):
    make_user("kaifaqu", User.Role.TOWNSHIP, make_unit("天门经济开发区"))
    for name in ("yuekou", "YueKou", "YUEKOU", "yuekou", " yuekou"):
        attempt(client, name, "wrong")
    assert not logged_in(client)
    assert "已被临时锁定" in attempt(client, "yuekou", PASSWORD).content.decode()
    assert attempt(client, "kaifaqu", PASSWORD).status_code == 302  # another username is unaffected


def test_unknown_usernames_are_answered_alike(client):
    for _ in range(5):
        attempt(client, "nobody", "wrong")
    assert "已被临时锁定" in attempt(client, "nobody", "x").content.decode()


def test_settings_control_the_limits(client, officer, settings):
    settings.TIDU_LOGIN_MAX_FAILURES = 2
    settings.TIDU_LOGIN_LOCKOUT_MINUTES = 30
    attempt(client, "yuekou", "wrong")
    text = attempt(client, "yuekou", "wrong").content.decode()
    assert "连续 2 次登录失败" in text and "约 30 分钟后解锁" in text


def test_admin_login_obeys_the_lockout(client):
    make_user("root", User.Role.ADMIN, is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for _ in range(5):
        client.post(admin_login, {"username": "root", "password": "wrong"})
    response = client.post(admin_login, {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "已被临时锁定" in response.content.decode()
    assert not logged_in(client)


def test_service_functions_with_explicit_time():
    start = timezone.now()
    for minute in range(4):
        status = services.record_login_failure("someone", now=start + timedelta(minutes=minute))
        assert not status.locked
    assert status.remaining == 1
    status = services.record_login_failure("someone", now=start + timedelta(minutes=4))
    assert status.locked and status.until == start + timedelta(minutes=19)
    assert services.login_lock_status("SOMEONE", now=start + timedelta(minutes=18)).locked
    assert not services.login_lock_status("someone", now=start + timedelta(minutes=19)).locked
    services.record_login_success("someone")
    assert services.login_lock_status("someone").failures == 0


def test_logout_is_post_only(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not logged_in(client)
