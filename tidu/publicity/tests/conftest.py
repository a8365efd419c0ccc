"""Fixtures for 公示: the 2026 call, two units, three enterprises whose applications passed on-site verification.

Unit X (竟陵街道办事处) has enterprise A; unit Y (岳口镇) has B and C. Each application is filled,
submitted inside the call window and driven to onsite_verified with the real transitions
(``tidu.testing``).
The publicity used by most tests starts on Friday 2026-04-03 and runs 5 working days to Thursday
2026-04-09; it is published on 2026-04-02.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tidu import testing as build
from tidu.accounts.models import Organisation, User
from tidu.applications.workflow import State
from tidu.policy.models import Call
from tidu.publicity import services
from tidu.publicity.models import Publicity

BEIJING = ZoneInfo("Asia/Shanghai")
IN_WINDOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=BEIJING)
START = dt.date(2026, 4, 3)  # a Friday
END = dt.date(2026, 4, 9)  # Thursday: the 5th working day
BEFORE = dt.datetime(2026, 4, 2, 10, 0, tzinfo=BEIJING)
DURING = dt.datetime(2026, 4, 6, 10, 0, tzinfo=BEIJING)
LAST_EVENING = dt.datetime(2026, 4, 9, 23, 59, tzinfo=BEIJING)
AFTER = dt.datetime(2026, 4, 10, 9, 0, tzinfo=BEIJING)


def moment_setting(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.fixture(autouse=True)
def _fast_and_private(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIDU_NOW = ""


@pytest.fixture
def call(db) -> Call:
    return build.load_call()


def _user(username, role, organisation=None, first_name=""):
    return build.user(username, role, organisation, first_name, email=None)


def _enterprise(unit, name, code, industry="C3484"):
    return build.enterprise(unit, name, credit_code=code, industry=industry,
                            contact_email="secret-contact@example.com")


@pytest.fixture
def world(call):
    bureau = build.city_bureau()
    x = build.unit("竟陵街道办事处")
    y = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    enterprises = {
        "a": _enterprise(x, "天门市华楚精密机械有限公司", "91429006MA49ABCD1X"),
        "b": _enterprise(y, "天门市岳口纺织有限公司", "91429006MA49ABCD2Y", "C1711"),
        "c": _enterprise(y, "天门市恒力电气设备有限公司", "91429006MA49ABCD3Z", "C3823"),
    }
    users = {key: _user(f"ent_{key}", User.Role.ENTERPRISE, e.organisation) for key, e in enterprises.items()}
    users.update(x=_user("town_x", User.Role.TOWNSHIP, x), y=_user("town_y", User.Role.TOWNSHIP, y),
                 city=_user("city", User.Role.CITY, bureau, "周敏"), expert=_user("expert", User.Role.EXPERT))
    return {"call": call, "enterprises": enterprises, "users": users, "units": {"x": x, "y": y}}


def verify(application, enterprise_user, township_user, city_user):
    """Fill, submit and drive ``application`` to onsite_verified with the real services."""
    build.submitted(application, user=enterprise_user, key=f"k-{application.pk}", now=IN_WINDOW)
    build.drive_to(application, State.ONSITE_VERIFIED)
    return application


@pytest.fixture
def verified(world):
    """The three applications, each in onsite_verified."""
    users = world["users"]
    result = {}
    for key, township in (("a", "x"), ("b", "y"), ("c", "y")):
        application = build.application(world["enterprises"][key], call=world["call"], user=users[key])
        result[key] = verify(application, users[key], users[township], users["city"])
    return result


@pytest.fixture
def city(world):
    return world["users"]["city"]


def make_publicity(call, city_user, applications, *, start=START, working_days=5) -> Publicity:
    publicity = services.publicity_create(call=call, user=city_user, title="天门市2026年度基础级智能工厂拟认定名单公示",
                                          start_date=start, working_days=working_days,
                                          contact_office="天门市经济和信息化局（中小企业科）",
                                          contact_phone="0728-5221234", contact_email="zxqk@example.gov.cn")
    services.publicity_add_entries(publicity=publicity, application_ids=[a.pk for a in applications], user=city_user)
    return publicity


@pytest.fixture
def published(world, verified, city):
    publicity = make_publicity(world["call"], city, verified.values())
    return services.publicity_publish(publicity=publicity, user=city, now=BEFORE)


def entry_of(publicity, application):
    return publicity.entries.get(application=application)


# --- two finalised 公示 batches of one call (the call's 认定名单 across batches) ----------------------------

SECOND_START = dt.date(2026, 4, 13)  # a Monday; five working days end on Friday 2026-04-17
SECOND_BEFORE = dt.datetime(2026, 4, 10, 10, 0, tzinfo=BEIJING)
SECOND_AFTER = dt.datetime(2026, 4, 20, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def two_batches(world, verified, city):
    first = make_publicity(world["call"], city, [verified["a"], verified["b"]])
    services.publicity_publish(publicity=first, user=city, now=BEFORE)
    services.publicity_finalise(publicity=first, user=city, now=AFTER)
    second = make_publicity(world["call"], city, [verified["c"]], start=SECOND_START)
    services.publicity_publish(publicity=second, user=city, now=SECOND_BEFORE)
    services.publicity_finalise(publicity=second, user=city, now=SECOND_AFTER)
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def expected(first, second):
    """Batch by batch, each in its own order (as each batch's page shows it), numbered 1..n once."""
    names = [e["enterprise_name"] for p in (first, second) for e in p.final_snapshot["entries"]]
    return [(str(number), name) for number, name in enumerate(names, start=1)]
