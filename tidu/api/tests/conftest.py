"""A small world for the API tests: two units with an enterprise each (and a pending one in X), their officers,
the city, an auditor and a security admin; applications in several states. Built with ``tidu.testing``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tidu import testing as build
from tidu.accounts.models import User
from tidu.api.operations import create_token
from tidu.applications.workflow import State
from tidu.core import clock

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 2, 20, 10, 0, tzinfo=BEIJING)  # inside the window, before the township deadline

ALL_SCOPES = {"enterprise": ["read", "evaluate"], "township": ["read", "evaluate", "township:act"],
              "city": ["read", "evaluate", "city:act"]}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIDU_NOW = ""
    settings.TIDU_API_RATE_PER_MINUTE = 0
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def world(db):
    call = build.load_call()
    build.city_bureau("天门市经信局", office="中小企业科")
    x, y = build.unit("竟陵街道办事处"), build.unit("岳口镇")
    people = {"town_x": build.officer(x, "town_x"), "town_y": build.officer(y, "town_y"),
              "city": build.city_officer("city"), "auditor": build.user("auditor", User.Role.AUDITOR),
              "security": build.user("security", User.Role.SECURITY), "expert": build.expert("expert"),
              "admin": build.admin("admin")}
    a = build.enterprise(x, "天门市华楚精密机械有限公司")
    b = build.enterprise(y, "天门市汉江塑业有限公司")
    c = build.enterprise(x, "天门市新远纺织有限公司")
    pending = build.enterprise(x, "天门市待确认机械有限公司", confirmed=False)
    people.update(ent_a=build.enterprise_user(a, "ent_a"), ent_b=build.enterprise_user(b, "ent_b"),
                  ent_c=build.enterprise_user(c, "ent_c"), ent_p=build.enterprise_user(pending, "ent_p"))
    app_a = build.application(a, call=call)
    build.submitted(app_a, now=NOW)                     # 已提交 (unit X)
    app_b = build.application(b, call=call)
    build.drive_to(app_b, State.TOWNSHIP_RECOMMENDED)   # 乡镇已推荐 (unit Y)
    app_c = build.application(c, call=call)             # a draft: only its enterprise sees it
    return {"call": call, "units": {"x": x, "y": y}, "people": people, "pending": pending,
            "apps": {"a": app_a, "b": app_b, "c": app_c}}


def token(user, scopes=None, days=30):
    """A token for ``user`` with ``scopes`` (default: every scope its role may have); returns the secret."""
    made, secret = create_token(user, name="测试", scopes=scopes or ALL_SCOPES[user.role], days=days)
    return secret


def auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
