"""Second factor for officers (TOTP + backup codes), idle timeout, password policy, the three administrators."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tidu.accounts import second_factor, services
from tidu.accounts.errors import AccountsError
from tidu.accounts.models import PasswordHistory, User
from tidu.accounts.tests.factories import PASSWORD, make_city_office, make_unit, make_user
from tidu.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")


@pytest.fixture(autouse=True)
def _officers_need_a_second_factor(settings):
    settings.TIDU_OTP_REQUIRED_ROLES = ["city", "expert", "admin", "security_admin", "auditor"]
    # django-otp makes the next try wait after a wrong code (1 s, doubling); these tests type faster.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def city():
    return make_user("zhongxiao", User.Role.CITY, make_city_office())


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def log_in(client, username):
    return client.post(LOGIN, {"username": username, "password": PASSWORD})


def enrol(client):
    """Scan (read the device the page made), confirm with a code; returns (device, backup codes)."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SETUP, {"token": code_for(device), "next": "/accounts/profile/"})
    assert "双因素认证已启用" in response.content.decode()
    codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
    device.refresh_from_db()
    return device, codes


def test_city_officer_must_enrol_before_any_page(client, city):
    assert log_in(client, "zhongxiao").status_code == 302
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and "设置双因素认证" in page
    assert "验证码不正确" in client.post(SETUP, {"token": "000000"}).content.decode()  # asked again
    device, codes = enrol(client)
    assert device.confirmed and len(codes) == second_factor.BACKUP_CODE_COUNT
    row = AuditEntry.objects.get(action="user.enable_second_factor")
    assert row.actor == city and row.object_id == str(city.pk) and codes[0] not in str(row.detail)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_next_login_asks_for_the_code_and_refuses_a_wrong_one(client, city):
    log_in(client, "zhongxiao")
    device, codes = enrol(client)
    client.post(reverse("accounts:logout"))
    log_in(client, "zhongxiao")
    assert client.get(reverse("accounts:profile"))["Location"].startswith(VERIFY)
    wrong = client.post(VERIFY, {"token": "123456"})
    assert "验证码不正确" in wrong.content.decode()
    assert client.post(VERIFY + "?next=/accounts/profile/",
                       {"token": codes[0], "next": "/accounts/profile/"})["Location"] == "/accounts/profile/"
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    log_in(client, "zhongxiao")
    assert "验证码不正确" in client.post(VERIFY, {"token": codes[0]}).content.decode()  # backup codes work once
    assert client.post(VERIFY, {"token": codes[1]}).status_code == 302


def test_admin_site_is_behind_the_second_factor_too(client):
    make_user("root", User.Role.ADMIN, is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert SESSION_KEY in client.session
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_enterprises_and_townships_are_optional(client):
    make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    log_in(client, "yuekou")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_township_officer_who_enrolled_is_asked_for_the_code(client):
    make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    log_in(client, "yuekou")
    enrol(client)
    client.post(reverse("accounts:logout"))
    log_in(client, "yuekou")
    assert client.get(reverse("accounts:profile"))["Location"].startswith(VERIFY)


def test_the_setting_chooses_the_roles(client, city, settings):
    settings.TIDU_OTP_REQUIRED_ROLES = ["township"]
    log_in(client, "zhongxiao")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_too_many_wrong_codes_stop_guessing(client, city, settings):
    settings.TIDU_OTP_ATTEMPTS_PER_HOUR = 3
    log_in(client, "zhongxiao")
    device, codes = enrol(client)
    client.post(reverse("accounts:logout"))
    log_in(client, "zhongxiao")
    for _ in range(3):
        client.post(VERIFY, {"token": "000000"})
    assert "错误次数过多" in client.post(VERIFY, {"token": codes[0]}).content.decode()


# --- idle timeout -------------------------------------------------------------------------------------

def _idle(client, seconds):
    session = client.session
    session[second_factor.LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_idle_officer_is_logged_out_with_a_message(client, settings):
    settings.TIDU_OTP_REQUIRED_ROLES = []
    officer = make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    client.force_login(officer)
    assert client.get(reverse("accounts:profile")).status_code == 200
    _idle(client, 31 * 60)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN + "?next=")
    assert SESSION_KEY not in client.session
    assert "由于长时间未操作" in client.get(response["Location"]).content.decode()


def test_enterprise_idle_limit_is_longer(client, settings):
    enterprise_user = make_user("huachu", User.Role.ENTERPRISE)
    client.force_login(enterprise_user)
    client.get(reverse("accounts:profile"))
    _idle(client, 31 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 200
    settings.TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES = 30
    _idle(client, 31 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_htmx_request_after_idle_gets_a_redirect_header(client):
    officer = make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    client.force_login(officer)
    client.get(reverse("accounts:profile"))
    _idle(client, 31 * 60)
    response = client.post(reverse("accounts:profile"), HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/accounts/profile/")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(LOGIN)


# --- password policy ----------------------------------------------------------------------------------

def test_password_history_refuses_a_recent_password():
    from django.contrib.auth.password_validation import validate_password

    user = make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    for number in range(3):
        user.set_password(f"Another-Horse-{number}")
        user.save()
    with pytest.raises(ValidationError, match="最近 5 次"):
        validate_password("Another-Horse-0", user)
    with pytest.raises(ValidationError, match="最近 5 次"):
        validate_password("Another-Horse-2", user)  # the current one
    validate_password("Brand-New-Horse-9", user)
    assert PasswordHistory.objects.filter(user=user).count() == 4
    assert not PasswordHistory.objects.filter(password__contains="Another").exists()  # hashes only


def test_password_needs_three_kinds_of_character():
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError, match="至少 3 类"):
        validate_password("tianmenjingling")


def test_password_change_page_refuses_the_current_password(client):
    user = make_user("yuekou", User.Role.TOWNSHIP, make_unit())
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200 and "不能使用最近" in response.content.decode()


# --- 系统管理员 / 安全管理员 / 审计管理员 ------------------------------------------------------------

@pytest.fixture
def admins():
    return {"system": make_user("sysadmin", User.Role.ADMIN, is_staff=True),
            "security": make_user("secadmin", User.Role.SECURITY),
            "auditor": make_user("auditor", User.Role.AUDITOR)}


def test_system_admin_cannot_grant_himself_or_anyone_audit_or_security(admins):
    system = admins["system"]
    with pytest.raises(AccountsError):
        services.user_change_role(user=system, by_user=system, role=User.Role.AUDITOR)
    clerk = make_user("clerk", User.Role.CITY, make_city_office())
    with pytest.raises(AccountsError, match="只能由安全管理员"):
        services.user_change_role(user=clerk, by_user=system, role=User.Role.AUDITOR)
    with pytest.raises(AccountsError, match="只能由安全管理员"):
        services.user_change_role(user=admins["auditor"], by_user=system, role=User.Role.CITY)
    services.user_change_role(user=clerk, by_user=admins["security"], role=User.Role.AUDITOR)
    clerk.refresh_from_db()
    assert clerk.role == User.Role.AUDITOR
    with pytest.raises(AccountsError, match="安全管理员只能"):
        services.user_change_role(user=make_user("x", User.Role.TOWNSHIP), by_user=admins["security"],
                                  role=User.Role.CITY)


def test_auditor_reads_the_audit_log_and_others_cannot(client, admins, settings):
    settings.TIDU_OTP_REQUIRED_ROLES = []
    clerk = make_user("clerk", User.Role.CITY, make_city_office())
    services.user_change_role(user=clerk, by_user=admins["security"], role=User.Role.AUDITOR)
    client.force_login(admins["auditor"])
    page = client.get(reverse("accounts:audit_log") + "?action=change_role")
    assert page.status_code == 200 and "user.change_role" in page.content.decode()
    assert "secadmin" in page.content.decode()
    assert services.dashboard_url_for(admins["auditor"]) == reverse("accounts:audit_log")
    for who in ("system", "security"):
        client.force_login(admins[who])
        assert client.get(reverse("accounts:audit_log")).status_code == 403


def test_nobody_can_alter_an_audit_row(admins):
    clerk = make_user("clerk", User.Role.CITY, make_city_office())
    services.user_change_role(user=clerk, by_user=admins["security"], role=User.Role.AUDITOR)
    row = AuditEntry.objects.get()
    row.reason = "改过"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
