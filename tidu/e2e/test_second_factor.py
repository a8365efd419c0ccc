"""A city officer in a real browser: after the password, the TOTP enrolment is required before any page; the
next login asks for the code (a backup code works); the pages pass under the Content-Security-Policy."""

import base64
import re

import pytest
from django_otp.oath import totp

from tidu import testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WAIT = 30000


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', testing.PASSWORD)
    with page.expect_navigation(timeout=WAIT):
        page.click('form.form-card button[type="submit"]')


def code_from_secret(secret_text: str) -> str:
    key = secret_text.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key), step=30, digits=6):06d}"


def test_city_officer_must_set_up_and_use_totp(page, live_server, settings):
    settings.TIDU_OTP_REQUIRED_ROLES = ["city", "expert", "admin", "security_admin", "auditor"]
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no one-second wait after the wrong code below
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    testing.city_officer("zhongxiao", "李明")

    log_in(page, "zhongxiao")
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator(".otp-qr svg").count() == 1  # the QR code, inline: no image from anywhere else
    page.goto("/review/intake/")  # any other page leads back to the enrolment
    assert "/accounts/two-factor/setup/" in page.url

    page.fill('input[name="token"]', code_from_secret(page.locator(".otp-secret").inner_text()))
    with page.expect_navigation(timeout=WAIT):
        page.click('form.form-card button[type="submit"]')
    assert "双因素认证已启用" in page.content()
    codes = re.findall(r"<code>(\w+)</code>", page.content())
    assert len(codes) == 10
    with page.expect_navigation(timeout=WAIT):
        page.click("text=我已保存备用码，继续")
    assert "/accounts/two-factor/" not in page.url and "/accounts/login/" not in page.url

    log_in(page, "zhongxiao")  # a new session: the code is asked for
    assert "/accounts/two-factor/verify/" in page.url
    page.fill('input[name="token"]', "000000")
    with page.expect_navigation(timeout=WAIT):
        page.click('form.form-card button[type="submit"]')
    assert "验证码不正确" in page.content()
    page.fill('input[name="token"]', codes[0])
    with page.expect_navigation(timeout=WAIT):
        page.click('form.form-card button[type="submit"]')
    assert "/accounts/two-factor/" not in page.url and "/accounts/login/" not in page.url
