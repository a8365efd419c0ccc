"""Fixtures for the application pages: an organisation tree, users of every role, the loaded 2026 call.

Township X (竟陵街道办事处) has enterprises A (confirmed) and C (not yet confirmed); township Y (岳口镇)
has enterprise B (confirmed). Each enterprise has one user; each township one officer; the city one.
Evidence files go to a temporary MEDIA_ROOT.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from tidu.accounts.models import Organisation, User
from tidu.applications import services
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call

BEIJING = ZoneInfo("Asia/Shanghai")
IN_WINDOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _fast_hasher_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def call(db) -> Call:
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    return Call.objects.get(code="tianmen-2026-basic")


@pytest.fixture
def orgs(db):
    city = Organisation.objects.create(name="天门市经济和信息化局", kind=Organisation.Kind.CITY_BUREAU)
    x = Organisation.objects.create(name="竟陵街道办事处", kind=Organisation.Kind.SUBDISTRICT)
    y = Organisation.objects.create(name="岳口镇人民政府", kind=Organisation.Kind.TOWNSHIP)
    return {"city": city, "x": x, "y": y}


def _enterprise(unit, name, code, *, confirmed=True) -> Enterprise:
    node = Organisation.objects.create(name=name, kind=Organisation.Kind.ENTERPRISE, parent=unit)
    return Enterprise.objects.create(
        organisation=node, name=name, credit_code=code, industry_code="C3484", contact_name="王立新",
        contact_phone="13872800001", contact_email="contact@example.com", legal_representative="李强",
        status=Enterprise.Status.CONFIRMED if confirmed else Enterprise.Status.PENDING)


@pytest.fixture
def enterprises(orgs):
    return {
        "a": _enterprise(orgs["x"], "天门市华楚精密机械有限公司", "91429006MA49ABCD1X"),
        "b": _enterprise(orgs["y"], "天门市岳口纺织有限公司", "91429006MA49ABCD2Y"),
        "c": _enterprise(orgs["x"], "天门市新建机电有限公司", "91429006MA49ABCD3Z", confirmed=False),
    }


def _user(username, role, organisation, first_name=""):
    return User.objects.create_user(username=username, password="pw-not-used-123", role=role,
                                    organisation=organisation, first_name=first_name)


@pytest.fixture
def users(orgs, enterprises):
    return {
        "a": _user("ent_a", User.Role.ENTERPRISE, enterprises["a"].organisation, "华楚填报员"),
        "b": _user("ent_b", User.Role.ENTERPRISE, enterprises["b"].organisation, "岳口填报员"),
        "c": _user("ent_c", User.Role.ENTERPRISE, enterprises["c"].organisation, "新建填报员"),
        "x": _user("town_x", User.Role.TOWNSHIP, orgs["x"], "竟陵经办人"),
        "y": _user("town_y", User.Role.TOWNSHIP, orgs["y"], "岳口经办人"),
        "city": _user("city", User.Role.CITY, orgs["city"], "市局经办人"),
        "expert": _user("expert", User.Role.EXPERT, None, "专家"),
    }


@pytest.fixture
def app_a(call, enterprises, users):
    return services.application_start(enterprise=enterprises["a"], call=call, tier="basic", user=users["a"])


@pytest.fixture
def app_b(call, enterprises, users):
    return services.application_start(enterprise=enterprises["b"], call=call, tier="basic", user=users["b"])


@pytest.fixture
def app_c(call, enterprises, users):
    return services.application_start(enterprise=enterprises["c"], call=call, tier="basic", user=users["c"])


@pytest.fixture
def frozen_now(monkeypatch):
    """Fix "now" (for views that call timezone.now()) at a moment inside the call window; returns a setter."""
    state = {"now": IN_WINDOW}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def set_now(moment: dt.datetime):
        state["now"] = moment

    return set_now


def login(client, user):
    client.force_login(user)
    return client


def submit_now(application, user, key="submit-1", now=IN_WINDOW):
    """Fill ``application`` completely and submit it inside the call window; returns the Submission."""
    from tidu.applications.testing import fill_complete_application

    fill_complete_application(application, user)
    return services.application_submit(application=application, user=user, idempotency_key=key, now=now)


@pytest.fixture
def submitted_a(app_a, users):
    submit_now(app_a, users["a"], key="submit-a")
    app_a.refresh_from_db()
    return app_a


@pytest.fixture
def submitted_b(app_b, users):
    submit_now(app_b, users["b"], key="submit-b")
    app_b.refresh_from_db()
    return app_b
