"""Builders for tests of expert review and on-site verification (plain functions; the fixtures call them).

``world()`` makes the 2026 call, two township units with one confirmed enterprise each, a city officer, two
township officers, enterprise users and four pool experts. ``to_formal_passed`` moves an application
through submission, township recommendation, receipt and 形式审查 with the real services, so every
event is written as in production. Everything is composed from ``tidu.testing`` (the one test-data builder);
the units', enterprises' and experts' names are sample data (tidu/core/demo_data/samples.yaml, ``experts_world``).
"""

from __future__ import annotations

from decimal import Decimal  # noqa: F401  (re-exported for tests)

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications.workflow import State
from tidu.core.demo import demo_data
from tidu.core.timezones import BEIJING  # noqa: F401  (re-exported)
from tidu.testing import GOOD, IN_WINDOW, points_for_total, scores, submit_scores  # noqa: F401  (re-exported)

_WORLD = demo_data("samples")["experts_world"]


def _user(username, role, organisation=None, name=""):
    return build.user(username, role, organisation, name, email=None)


def _enterprise(unit, name, code):
    return build.enterprise(unit, name, credit_code=code, address=_WORLD["address"])


def world() -> dict:
    call = build.load_call()
    city_org = build.city_bureau()
    x = build.unit(_WORLD["units"]["x"])
    y = build.unit(_WORLD["units"]["y"], Organisation.Kind.TOWNSHIP)
    a = _enterprise(x, _WORLD["enterprises"]["a"]["name"], _WORLD["enterprises"]["a"]["credit_code"])
    b = _enterprise(y, _WORLD["enterprises"]["b"]["name"], _WORLD["enterprises"]["b"]["credit_code"])
    users = {
        "ent_a": build.enterprise_user(a, "ent_a", "华楚填报员", email=None),
        "ent_b": build.enterprise_user(b, "ent_b", "岳口填报员", email=None),
        "town_x": build.officer(x, "town_x", "竟陵经办人", email=None),
        "town_y": build.officer(y, "town_y", "岳口经办人", email=None),
        "city": build.city_officer("city", "市局经办人", city_org, email=None),
        "city2": build.city_officer("city2", "市局核查员", city_org, email=None),
    }
    experts = {}
    for n, row in enumerate(_WORLD["experts"], 1):
        experts[f"e{n}"] = build.expert(f"e{n}", row["name"], profile=True, employer=row["employer"], email=None)
    return {"call": call, "units": {"x": x, "y": y}, "enterprises": {"a": a, "b": b}, "users": users,
            "experts": experts}


def start(w, key="a"):
    return build.application(w["enterprises"][key], call=w["call"], user=w["users"][f"ent_{key}"])


def submit(w, key="a"):
    application = start(w, key)
    build.submitted(application, user=w["users"][f"ent_{key}"], key=f"submit-{key}", now=IN_WINDOW)
    return application


def to_formal_passed(w, key="a"):
    return build.drive_to(submit(w, key), State.FORMAL_PASSED)


def to_expert_reviewed(w, key="a", experts=("e1", "e2", "e3")):
    return build.expert_reviewed(to_formal_passed(w, key), [w["experts"][e] for e in experts],
                                 city=w["users"]["city"])
