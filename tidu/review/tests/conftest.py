"""Fixtures for the review side: two units, their enterprises and officers, the city, an expert, an admin.

Unit X (竟陵街道办事处) has enterprises a and a2; unit Y (岳口镇) has b. Every enterprise is confirmed and has one
user; every unit one officer. ``drive_to(application, state)`` (see lifecycle.py) moves an application to
any state through the services. Built with ``tidu.testing``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tidu import testing as build
from tidu.accounts.models import Organisation, User
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call

BEIJING = ZoneInfo("Asia/Shanghai")
IN_WINDOW = dt.datetime(2026, 2, 20, 10, 0, tzinfo=BEIJING)  # inside the window, before the township deadline
LAST_MOMENT = dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=BEIJING)  # the township deadline's last second
TOO_LATE = dt.datetime(2026, 3, 2, 0, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIDU_NOW = ""


@pytest.fixture
def call(db) -> Call:
    return build.load_call()


@pytest.fixture
def orgs(db):
    return {"city": build.city_bureau("天门市经信局", office="中小企业科"), "x": build.unit("竟陵街道办事处"),
            "y": build.unit("岳口镇", Organisation.Kind.TOWNSHIP)}


def make_enterprise(unit, name, *, industry="C3484") -> Enterprise:
    return build.enterprise(unit, name, industry=industry)


def make_user(username, role, organisation, name="") -> User:
    return build.user(username, role, organisation, name or username, email=None)


def enterprise_user(enterprise, username) -> User:
    return make_user(username, User.Role.ENTERPRISE, enterprise.organisation)


@pytest.fixture
def enterprises(orgs):
    return {
        "a": make_enterprise(orgs["x"], "天门市华楚精密机械有限公司"),
        "a2": make_enterprise(orgs["x"], "天门市竟陵纺织有限公司", industry="C1711"),
        "b": make_enterprise(orgs["y"], "天门市岳口机电有限公司", industry="C3823"),
    }


@pytest.fixture
def users(orgs, enterprises):
    admin = make_user("admin", User.Role.ADMIN, None)
    return {
        "a": enterprise_user(enterprises["a"], "ent_a"),
        "a2": enterprise_user(enterprises["a2"], "ent_a2"),
        "b": enterprise_user(enterprises["b"], "ent_b"),
        "x": make_user("town_x", User.Role.TOWNSHIP, orgs["x"], "竟陵经办人"),
        "y": make_user("town_y", User.Role.TOWNSHIP, orgs["y"], "岳口经办人"),
        "city": make_user("city", User.Role.CITY, orgs["city"], "市局经办人"),
        "expert": make_user("expert", User.Role.EXPERT, None, "专家"),
        "admin": admin,
    }


def start(enterprise, user, call):
    return build.application(enterprise, call=call, user=user)


@pytest.fixture
def app_a(call, enterprises, users):
    return start(enterprises["a"], users["a"], call)


@pytest.fixture
def app_a2(call, enterprises, users):
    return start(enterprises["a2"], users["a2"], call)


@pytest.fixture
def app_b(call, enterprises, users):
    return start(enterprises["b"], users["b"], call)


def login(client, user):
    client.force_login(user)
    return client
