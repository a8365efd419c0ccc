"""Fixtures for the application pages: an organisation tree, users of every role, the loaded 2026 call.

Township X (竟陵街道办事处) has enterprises A (confirmed) and C (not yet confirmed); township Y (岳口镇)
has enterprise B (confirmed). Each enterprise has one user; each township one officer; the city one.
Evidence files go to a temporary MEDIA_ROOT. Built with ``tidu.testing``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.policy.models import Call

BEIJING = ZoneInfo("Asia/Shanghai")
IN_WINDOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _fast_hasher_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def call(db) -> Call:
    return build.load_call()


@pytest.fixture
def orgs(db):
    return {"city": build.city_bureau(), "x": build.unit("竟陵街道办事处"),
            "y": build.unit("岳口镇人民政府", Organisation.Kind.TOWNSHIP)}


@pytest.fixture
def enterprises(orgs):
    return {
        "a": build.enterprise(orgs["x"], "天门市华楚精密机械有限公司", credit_code="91429006MA49ABCD1X"),
        "b": build.enterprise(orgs["y"], "天门市岳口纺织有限公司", credit_code="91429006MA49ABCD2Y"),
        "c": build.enterprise(orgs["x"], "天门市新建机电有限公司", credit_code="91429006MA49ABCD3Z", confirmed=False),
    }


@pytest.fixture
def users(orgs, enterprises):
    return {
        "a": build.enterprise_user(enterprises["a"], "ent_a", "华楚填报员"),
        "b": build.enterprise_user(enterprises["b"], "ent_b", "岳口填报员"),
        "c": build.enterprise_user(enterprises["c"], "ent_c", "新建填报员"),
        "x": build.officer(orgs["x"], "town_x", "竟陵经办人"),
        "y": build.officer(orgs["y"], "town_y", "岳口经办人"),
        "city": build.city_officer("city", "市局经办人", orgs["city"]),
        "expert": build.expert("expert", "专家"),
    }


@pytest.fixture
def app_a(call, enterprises, users):
    return build.application(enterprises["a"], call=call, user=users["a"])


@pytest.fixture
def app_b(call, enterprises, users):
    return build.application(enterprises["b"], call=call, user=users["b"])


@pytest.fixture
def app_c(call, enterprises, users):
    return build.application(enterprises["c"], call=call, user=users["c"])


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
    build.fill_complete_application(application, user)
    return build.submitted(application, user=user, key=key, now=now, fill=False)


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
