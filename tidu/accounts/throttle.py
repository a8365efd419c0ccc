"""Failed-login throttling with django-axes, shaped so that an attacker cannot lock out the victim.

* Failures are counted per (username, address): ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``.
  Five wrong passwords from the attacker's address lock that username *from that address only*; the real
  user, elsewhere, still logs in.
* Failures are also counted per address over all usernames (``TIDU_LOGIN_IP_MAX_FAILURES``), so password
  spraying from one client stops too (``ThrottleHandler.get_failures``).
* The address is ``tidu.core.client_ip.client_address`` (``AXES_CLIENT_IP_CALLABLE``): a forwarded-for entry
  is trusted only as far as ``TIDU_TRUSTED_PROXIES`` vouch for it, so a spoofed header cannot give an
  attacker fresh addresses.
* The lock runs out after ``TIDU_LOGIN_LOCKOUT_MINUTES``, doubled for each further lock of the same
  (username, address) within a day (``cool_off``; no CAPTCHA); failures during a lock do not extend it.
  The user can lift it at once by an e-mailed, signed link (``unlock_token``) or by resetting the password.
* The site's login page and ``/admin/login/`` both authenticate through ``authenticate(request, …)``, which
  passes through ``axes.backends.AxesBackend``.
"""

from __future__ import annotations

from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from axes.utils import reset
from django.conf import settings
from django.core import signing
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

UNLOCK_SALT = "tidu.accounts.unlock"


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long a lock lasts (and how far back failures count).

    Back-off instead of a CAPTCHA: ``TIDU_LOGIN_LOCKOUT_MINUTES`` for the first lock of a (username, address)
    within a day, doubled for each further one (at most a day).
    """
    base = timedelta(minutes=settings.TIDU_LOGIN_LOCKOUT_MINUTES)
    address = getattr(request, "axes_ip_address", None)
    if address is None:
        return base
    locks = AccessFailureLog.objects.filter(
        username=username_of(request, None), ip_address=address, locked_out=True,
        attempt_time__gte=timezone.now() - timedelta(days=1)).count()
    return min(base * 2 ** max(locks - 1, 0), timedelta(days=1))


def cool_off_minutes(request=None) -> int:
    return int(cool_off(request).total_seconds() // 60)


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: wrong passwords for one username from one address before the lock."""
    return settings.TIDU_LOGIN_MAX_FAILURES


def normalise_username(username: str | None) -> str:
    return (username or "").strip().casefold()[:150]


def username_of(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: usernames are counted case-insensitively, whether or not such a user exists."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return normalise_username(value)


def address_failures(request) -> int:
    """Failed logins from the request's address, over all usernames, within the cool-off."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                            attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler plus a per-address limit beside the per-(username, address) one."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.TIDU_LOGIN_IP_MAX_FAILURES:
            # The address has used up its own allowance: count as locked whichever username it tries.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page's answer while locked (429), with the ways out."""
    return render(request, "accounts/locked.html", {
        "minutes": cool_off_minutes(request),
        "username": username_of(request, credentials),
    }, status=429)


def remaining_attempts(request) -> int | None:
    """After a failed login: wrong passwords left before this username is locked from this address."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return None
    return max(settings.TIDU_LOGIN_MAX_FAILURES - failures, 0)


def unlock_username(username: str) -> None:
    """Forget the failures counted against ``username`` from every address (e-mail unlock, password reset)."""
    reset(username=normalise_username(username))


def _password_mark(user) -> str:
    return salted_hmac(UNLOCK_SALT, user.password).hexdigest()[:20]


def unlock_token(user) -> str:
    """A signed, time-limited token naming the user; it stops working once the password changes."""
    return signing.TimestampSigner(salt=UNLOCK_SALT).sign_object(
        {"u": user.pk, "p": _password_mark(user)})


def user_from_unlock_token(token: str, users):
    """The user the token was made for, or None when it is forged, expired or outdated."""
    try:
        data = signing.TimestampSigner(salt=UNLOCK_SALT).unsign_object(
            token, max_age=timedelta(minutes=settings.TIDU_UNLOCK_LINK_MINUTES))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    user = users.filter(pk=data.get("u"), is_active=True).first()
    if user is None or _password_mark(user) != data.get("p"):
        return None
    return user
