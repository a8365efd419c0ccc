"""Second factor (TOTP, django-otp) for officer accounts, static backup codes for recovery, and the idle timeout.

* Which roles must use a second factor: ``settings.TIDU_OTP_REQUIRED_ROLES`` (default city, expert and the
  three administrators, as GB/T 22239-2019 asks for administrators; enterprises and townships may enrol
  themselves, and once enrolled they are asked for the code too).
* After the password, ``SecondFactorMiddleware`` sends such a user to enrol (QR code as inline SVG, made
  here by ``qrcode``; no third-party service) or to type the code, before any other page.
* Recovery: ``BACKUP_CODE_COUNT`` single-use codes shown once at enrolment; each works instead of a TOTP code.
* Idle timeout: ``IdleTimeoutMiddleware`` logs out a session unused for longer than the role's limit
  (``TIDU_IDLE_TIMEOUT_MINUTES`` for officers, ``TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES`` for enterprises) and
  sends the user to the login page with a message.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tidu.accounts import permissions

BACKUP_CODE_COUNT = 10
LAST_SEEN_KEY = "tidu_last_seen"
LAST_SEEN_RESOLUTION = 60  # seconds: the idle clock is kept to the minute
ENROLLED_KEY = "tidu_otp_enrolled"
ENTERPRISE_ROLES = ("enterprise",)


def required_for(user) -> bool:
    return permissions.role_of(user) in set(settings.TIDU_OTP_REQUIRED_ROLES)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_totp_device(user) -> TOTPDevice:
    """The enrolment's device: unconfirmed until the first code from the app is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as an inline SVG element (no image request, no script)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def secret_text(device: TOTPDevice) -> str:
    """The key for typing into the app by hand (base32, in groups of four)."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with ``BACKUP_CODE_COUNT`` fresh ones (the old ones stop working)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def _exempt(path: str) -> bool:
    names = ("accounts:otp_setup", "accounts:otp_verify", "accounts:logout", "accounts:login", "set_language")
    return (path in {reverse(name) for name in names} or path.startswith(settings.STATIC_URL)
            or path == reverse("healthz"))


def _redirect(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: a signed-in user who must (or chose to) use a second factor and has
    not yet given it this session sees only the enrolment or the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified() and not _exempt(request.path):
            required = required_for(user)
            if not required:  # enrolled of one's own accord? Asked once a session, not on every request.
                if ENROLLED_KEY not in request.session:
                    request.session[ENROLLED_KEY] = has_device(user)
                optional_enrolled = request.session[ENROLLED_KEY]
            if required or optional_enrolled:
                target = reverse("accounts:otp_verify" if has_device(user) else "accounts:otp_setup")
                return _redirect(request, f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def idle_limit_seconds(user) -> int:
    if permissions.role_of(user) in ENTERPRISE_ROLES:
        return settings.TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES * 60
    return settings.TIDU_IDLE_TIMEOUT_MINUTES * 60


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than its role's limit; the next request lands on the login
    page with a message and ``next`` pointing back where the user was."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > idle_limit_seconds(user):
                logout(request)
                messages.info(request, _("由于长时间未操作，您已自动退出登录。请重新登录后继续。"))
                login_url = reverse("accounts:login")
                back = request.get_full_path() if request.method == "GET" else request.headers.get(
                    "HX-Current-URL", "")
                return _redirect(request, f"{login_url}?{urlencode({'next': back})}" if back else login_url)
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now  # not on every request: a session write costs a query
        return self.get_response(request)
