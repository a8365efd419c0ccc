"""Builders for tests of expert review and on-site verification (plain functions; the fixtures call them).

``world()`` makes the 2026 call, two township units with one confirmed enterprise each, a city officer, two
township officers, enterprise users and four pool experts. ``to_formal_passed`` moves an application
through submission, township recommendation, receipt and 形式审查 with the real services, so every
event is written as in production.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal  # noqa: F401  (re-exported for tests)

from django.core.management import call_command

from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.testing import fill_complete_application
from tidu.core.events import deliver_pending
from tidu.core.timezones import BEIJING
from tidu.enterprises.models import Enterprise
from tidu.experts import services
from tidu.experts.models import ExpertProfile
from tidu.policy.models import Call
from tidu.review.testing import put_on_sent_list

IN_WINDOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=BEIJING)
# Points for the default rubric's six criteria (maxima 20, 30, 20, 10, 10, 10).
GOOD = ["10", "24", "15", "8", "7", "8"]  # 72


def _user(username, role, organisation=None, name="") -> User:
    return User.objects.create_user(username=username, password="pw-not-used-123", role=role,
                                    organisation=organisation, first_name=name, email=f"{username}@example.com")


def _enterprise(unit, name, code) -> Enterprise:
    node = Organisation.objects.create(name=name, kind=Organisation.Kind.ENTERPRISE, parent=unit)
    return Enterprise.objects.create(
        organisation=node, name=name, credit_code=code, industry_code="C3484", contact_name="王立新",
        contact_phone="13872800001", contact_email="contact@example.com", legal_representative="李强",
        address="竟陵街道示例路1号", status=Enterprise.Status.CONFIRMED)


def world() -> dict:
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    call = Call.objects.get(code="tianmen-2026-basic")
    city_org = Organisation.objects.create(name="天门市经济和信息化局", kind=Organisation.Kind.CITY_BUREAU)
    x = Organisation.objects.create(name="竟陵街道办事处", kind=Organisation.Kind.SUBDISTRICT)
    y = Organisation.objects.create(name="岳口镇人民政府", kind=Organisation.Kind.TOWNSHIP)
    a = _enterprise(x, "天门市华楚精密机械有限公司", "91429006MA49ABCD1X")
    b = _enterprise(y, "天门市岳口纺织有限公司", "91429006MA49ABCD2Y")
    users = {
        "ent_a": _user("ent_a", User.Role.ENTERPRISE, a.organisation, "华楚填报员"),
        "ent_b": _user("ent_b", User.Role.ENTERPRISE, b.organisation, "岳口填报员"),
        "town_x": _user("town_x", User.Role.TOWNSHIP, x, "竟陵经办人"),
        "town_y": _user("town_y", User.Role.TOWNSHIP, y, "岳口经办人"),
        "city": _user("city", User.Role.CITY, city_org, "市局经办人"),
        "city2": _user("city2", User.Role.CITY, city_org, "市局核查员"),
    }
    experts = {}
    for n, (name, employer) in enumerate((("张专家", "武汉某大学"), ("黄专家", "湖北某研究院"),
                                          ("赵专家", "荆州某事务所"), ("钱专家", "宜昌某公司")), 1):
        user = _user(f"e{n}", User.Role.EXPERT, None, name)
        experts[f"e{n}"] = user
        ExpertProfile.objects.create(user=user, title="高级工程师", expertise="智能制造", employer_name=employer)
    return {"call": call, "units": {"x": x, "y": y}, "enterprises": {"a": a, "b": b}, "users": users,
            "experts": experts}


def start(w, key="a"):
    return application_services.application_start(enterprise=w["enterprises"][key], call=w["call"], tier="basic",
                                                  user=w["users"][f"ent_{key}"])


def submit(w, key="a"):
    application = start(w, key)
    fill_complete_application(application, w["users"][f"ent_{key}"])
    application_services.application_submit(application=application, user=w["users"][f"ent_{key}"],
                                            idempotency_key=f"submit-{key}", now=IN_WINDOW)
    application.refresh_from_db()
    return application


def to_formal_passed(w, key="a"):
    application = submit(w, key)
    town = w["users"]["town_x" if key == "a" else "town_y"]
    application_services.application_transition(application=application, action="township_recommend", user=town)
    put_on_sent_list(application)  # 受理 only from the unit's sent 推荐名单
    for action in ("city_receive", "formal_pass"):
        application_services.application_transition(application=application, action=action, user=w["users"]["city"])
    application.refresh_from_db()
    return application


def scores(rubric, points=GOOD) -> dict:
    return {c.pk: p for c, p in zip(rubric.criteria.all(), points, strict=True)}


def submit_scores(assignment, points=GOOD, comments="意见"):
    return services.score_save(assignment=assignment, user=assignment.expert, raw=scores(assignment.rubric, points),
                               comments=comments, submit=True)


def points_for_total(total: int) -> list[str]:
    """Points for the default rubric that add up to ``total`` (0..100), filling criteria in order."""
    maxima = [20, 30, 20, 10, 10, 10]
    out, left = [], Decimal(total)
    for m in maxima:
        take = min(left, m)
        out.append(str(take))
        left -= take
    return out


def to_expert_reviewed(w, key="a", experts=("e1", "e2", "e3")):
    application = to_formal_passed(w, key)
    assignments = services.assign_experts(application=application, user=w["users"]["city"],
                                          experts=[w["experts"][e] for e in experts])
    for assignment in assignments:
        submit_scores(assignment)
    services.review_complete(application=application, user=w["users"]["city"])
    # Tests run inside one transaction that never commits: deliver the events (the on-site check opens) now.
    deliver_pending()
    application.refresh_from_db()
    return application
