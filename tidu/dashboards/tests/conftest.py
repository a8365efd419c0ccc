"""A call with six applications in different states, units, industries, scenarios, maturity levels and KPIs.

Applications are written directly (rows and event history), so that every figure can be counted by
hand from the table below. The dashboards read what is stored; how it got there is the applications
app's business and tested there. The call, units, users and enterprises come from ``tidu.testing``.

    app  unit            industry  status            maturity  scenarios (环节)                 KPIs
    1    竟陵街道办事处   C3484     recognised        2         SC27 设备管理, SC24 质量管控,     K01 46/50=92, K09 2.4→1.1=54.17
                                                                SC09 计划调度
    2    竟陵街道办事处   C3412     onsite_verified   3         SC24 质量管控                     K01 15/20=75
    3    岳口镇           C1711     submitted (after  2         SC01 工厂建设                     K01 30/40=75
                                    a return)
    4    岳口镇           C1711     not_recognised    1         SC09 计划调度                     —
                                    (after proposed)
    5    岳口镇           C3823     draft             5         SC01                              K01 1/1 (not counted)
    6    竟陵街道办事处   C3484     withdrawn         4         SC40                              (not counted)
多宝镇 has no applications.
"""

from __future__ import annotations

import itertools

import pytest

from tidu import testing as build
from tidu.accounts.models import Organisation, User
from tidu.applications.models import Application, ApplicationSection
from tidu.applications.workflow import State
from tidu.core.operations import AuditRecord, write_audit
from tidu.policy.models import Call

S = State
MAIN = [S.SUBMITTED, S.TOWNSHIP_RECOMMENDED, S.RECEIVED, S.FORMAL_PASSED, S.EXPERT_REVIEW, S.EXPERT_REVIEWED,
        S.ONSITE_VERIFIED, S.PROPOSED, S.RECOGNISED]
_codes = itertools.count(1)


@pytest.fixture
def call(db) -> Call:
    return build.load_call()


@pytest.fixture
def units(db):
    return {"x": build.unit("竟陵街道办事处"),
            "y": build.unit("岳口镇", Organisation.Kind.TOWNSHIP),
            "z": build.unit("多宝镇", Organisation.Kind.TOWNSHIP)}


@pytest.fixture
def users(units):
    bureau = build.city_bureau()
    return {"city": build.user("city", User.Role.CITY, bureau, password="x"),
            "admin": build.user("root", User.Role.ADMIN, password="x"),
            "township": build.user("town", User.Role.TOWNSHIP, units["x"], password="x"),
            "expert": build.user("expert", User.Role.EXPERT, password="x")}


def make_application(call, unit, industry, status, *, path=(), maturity=None, scenarios=(), kpis=None, actor):
    number = next(_codes)
    enterprise = build.enterprise(unit, f"天门市测试企业{number}有限公司", industry=industry, contact_name="联系人",
                                  contact_phone="13800000000", contact_email="", legal_representative="")
    # The application row and its history are written directly, on purpose (see the module docstring).
    application = Application.objects.create(enterprise=enterprise, call=call, tier="basic", status=status)
    sections = {
        "maturity": {"level": str(maturity)} if maturity else {},
        "scenarios": {"scenarios": [{"id": sid, "description": "建设内容", "uses_ai": "no"} for sid in scenarios]},
        "kpis": {kpi: {key: str(value) for key, value in inputs.items()} for kpi, inputs in (kpis or {}).items()},
        "basic": {"name": enterprise.name},
    }
    ApplicationSection.objects.bulk_create(ApplicationSection(application=application, key=key, data=data)
                                           for key, data in sections.items())
    previous = S.DRAFT
    for target in path:
        write_audit(actor, AuditRecord(object_type="application", object_id=application.pk,
                                       application_id=application.pk, action="x", from_status=previous,
                                       to_status=target))
        previous = target
    return application


@pytest.fixture
def applications(call, units, users):
    city = users["city"]
    x, y = units["x"], units["y"]
    return [
        make_application(call, x, "C3484", S.RECOGNISED, path=MAIN, maturity=2, scenarios=["SC27", "SC24", "SC09"],
                         kpis={"K01": {"part": 46, "whole": 50}, "K09": {"before": 2.4, "after": 1.1}}, actor=city),
        make_application(call, x, "C3412", S.ONSITE_VERIFIED, path=MAIN[:7], maturity=3, scenarios=["SC24"],
                         kpis={"K01": {"part": 15, "whole": 20}}, actor=city),
        make_application(call, y, "C1711", S.SUBMITTED, path=[S.SUBMITTED, S.RETURNED, S.SUBMITTED], maturity=2,
                         scenarios=["SC01"], kpis={"K01": {"part": 30, "whole": 40}}, actor=city),
        make_application(call, y, "C1711", S.NOT_RECOGNISED, path=[*MAIN[:8], S.NOT_RECOGNISED], maturity=1,
                         scenarios=["SC09"], actor=city),
        make_application(call, y, "C3823", S.DRAFT, maturity=5, scenarios=["SC01"],
                         kpis={"K01": {"part": 1, "whole": 1}}, actor=city),
        make_application(call, x, "C3484", S.WITHDRAWN, path=[S.SUBMITTED, S.WITHDRAWN], maturity=4,
                         scenarios=["SC40"], actor=city),
    ]
