"""Account rules as plain functions: login lockout, and where each role lands after logging in.

Lockout: after ``settings.TIDU_LOGIN_MAX_FAILURES`` failed logins for one username within
``settings.TIDU_LOGIN_LOCKOUT_MINUTES`` of the first of them, the username is locked for
``TIDU_LOGIN_LOCKOUT_MINUTES``; while locked, every attempt is refused, even with the right password.
A successful login (or a password reset) clears the count. Usernames are counted case-insensitively,
whether or not such a user exists, so that the answers do not reveal which accounts exist.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from tidu.accounts import operations, permissions
from tidu.accounts.models import LoginThrottle, User
from tidu.core.timezones import local_time


@dataclass(frozen=True)
class LockStatus:
    locked: bool
    failures: int = 0
    until: datetime | None = None

    @property
    def remaining(self) -> int:
        """Failed attempts left before the lock (0 when locked)."""
        return 0 if self.locked else max(max_failures() - self.failures, 0)


def max_failures() -> int:
    return settings.TIDU_LOGIN_MAX_FAILURES


def lockout_window() -> timedelta:
    return timedelta(minutes=settings.TIDU_LOGIN_LOCKOUT_MINUTES)


def throttle_key(username: str | None) -> str:
    return (username or "").strip().casefold()[:150]


def _status(row: LoginThrottle | None, now: datetime) -> LockStatus:
    if row is None:
        return LockStatus(locked=False)
    if row.locked_until is not None:
        if row.locked_until > now:
            return LockStatus(locked=True, failures=row.failures, until=row.locked_until)
        return LockStatus(locked=False)  # the lock has run out: a fresh start
    if row.window_started_at is None or now - row.window_started_at >= lockout_window():
        return LockStatus(locked=False)
    return LockStatus(locked=False, failures=row.failures)


def login_lock_status(username: str, *, now: datetime | None = None) -> LockStatus:
    """Is this username locked now, and how many failures count against it?"""
    now = now or timezone.now()
    return _status(LoginThrottle.objects.filter(username=throttle_key(username)).first(), now)


def record_login_failure(username: str, *, now: datetime | None = None) -> LockStatus:
    """Count one failed login; lock the username when the count reaches the maximum."""
    now = now or timezone.now()
    key = throttle_key(username)
    with transaction.atomic():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(username=key)
        current = _status(row, now)
        if current.locked:
            return current
        row.failures = current.failures + 1
        if current.failures == 0:
            row.window_started_at = now
        row.last_failure_at = now
        row.locked_until = now + lockout_window() if row.failures >= max_failures() else None
        row.save()
        return _status(row, now)


def reset_login_failures(username: str) -> None:
    """Forget failures and any lock for the username (successful login, password reset, admin unlock)."""
    LoginThrottle.objects.filter(username=throttle_key(username)).delete()


def record_login_success(username: str) -> None:
    reset_login_failures(username)


def _local_time_text(moment: datetime) -> str:
    return dateformat.format(local_time(moment), gettext("Y年n月j日 H:i"))


def lockout_message(status: LockStatus, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    minutes = max(1, math.ceil((status.until - now).total_seconds() / 60))
    return gettext("该账号因连续 %(failures)s 次登录失败，已被临时锁定。"
                   "请于 %(until)s（北京时间）后重试，约 %(minutes)s 分钟后解锁。"
                   "如忘记密码，可使用“忘记密码”重设。") % {
        "failures": max_failures(), "until": _local_time_text(status.until), "minutes": minutes}


def failure_message(status: LockStatus) -> str:
    text = gettext("用户名或密码不正确。请注意：用户名和密码均区分大小写。")
    if 0 < status.remaining < max_failures():
        text += gettext("再连续失败 %(remaining)s 次，该账号将被临时锁定 %(minutes)s 分钟。") % {
            "remaining": status.remaining, "minutes": settings.TIDU_LOGIN_LOCKOUT_MINUTES}
    return text


def dashboard_url_for(user: User) -> str:
    """Where a user lands after logging in (the 工作台 link), by role."""
    role = permissions.role_of(user)
    if role == User.Role.ENTERPRISE:
        try:
            return reverse("applications:home")
        except NoReverseMatch:  # the applications area is not wired up yet
            return reverse("enterprises:my_enterprise")
    if role == User.Role.TOWNSHIP:
        return reverse("review:township_dashboard")
    if role == User.Role.CITY:
        return reverse("review:intake")
    if role == User.Role.ADMIN:  # accounts and policy only: no application content (accounts.permissions)
        return reverse("admin:index")
    if role == User.Role.EXPERT:
        return reverse("experts:my_assignments")
    return reverse("accounts:profile")


# --- changes of an account (each one operation, audited; see tidu.accounts.operations) ----------------

def user_change_role(*, user: User, by_user, role: str | None = None, organisation=None,
                     **flags) -> User:
    """Give ``user`` another role and/or organisation (``organisation=None`` keeps it; flags: is_superuser,
    is_staff). Only a 系统管理员; one audit row with the role before and after."""
    params = dict(flags)
    if role is not None:
        params["role"] = role
    if organisation is not None:
        params["organisation_id"] = organisation.pk
    return operations.run("user.change_role", user, by_user, **params)


def user_deactivate(*, user: User, by_user) -> User:
    return operations.run("user.deactivate", user, by_user)


def user_activate(*, user: User, by_user) -> User:
    return operations.run("user.activate", user, by_user)


def user_update_contact(*, user: User, by_user, **contact) -> User:
    """Change any of first_name, last_name, email, phone."""
    return operations.run("user.update_contact", user, by_user, **contact)
