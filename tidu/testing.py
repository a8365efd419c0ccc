"""One test-data builder for every app's tests (and the demo data): small composable builders.

Each builder makes one thing the way the project makes it, so a test world is a short composition::

    call = load_call()                                  # the 2026 call, through ``load_policy``
    x = unit("竟陵街道办事处")                             # a township-level unit
    town = officer(x, "town_x")                          # its officer
    city = city_officer()                                # a city officer (the bureau made once)
    a = enterprise(x, "华楚精密机械有限公司")               # confirmed, with a valid 统一社会信用代码
    user = enterprise_user(a, "ent_a")
    app = application(a, call=call, filled=True)         # application_start + every section + evidence
    submitted(app)                                       # application_submit inside the call window
    drive_to(app, State.PROPOSED)                        # every later step through the operations

Changes of state go through the real services/operations (``application_start``, ``application_section_save``,
``evidence_upload``, ``application_submit``, ``application_transition``, the 推荐名单 operations, the
expert-review services), so audit rows, the 受理 list rule and domain events apply as in production. Rows that
are set-up rather than a change of state (organisations, users, a confirmed enterprise) are created directly
unless asked otherwise: ``enterprise(..., register=True)`` registers and confirms through the enterprise
operations (audit rows, notification) for tests that want that history.

Evidence is written to the default storage: tests should point ``settings.MEDIA_ROOT`` at a temporary directory.

The default call, region, bureau and sample names are data (tidu/core/demo_data/samples.yaml, read through
``tidu.core.demo.demo_data``), not Python: no call's wording lives in Python.

This module is test code (``tidu/core/tests/test_architecture.py`` leaves it out like ``tests/`` folders): it
composes every domain, which no domain module may do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.evidence import evidence_upload
from tidu.applications.models import Application
from tidu.applications.sections import _PHONE
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.demo import demo_data
from tidu.core.events import deliver_pending
from tidu.core.models import AuditEntry
from tidu.core.timezones import BEIJING
from tidu.decisions import services as decision_services
from tidu.enterprises import credit_code as credit_codes
from tidu.enterprises import services as enterprise_services
from tidu.enterprises.models import Enterprise
from tidu.experts import services as expert_services
from tidu.experts.models import ExpertProfile
from tidu.policy.models import Call
from tidu.review import services as review_services

EXAMPLE = Path(__file__).resolve().parent / "eligibility" / "examples" / "passing-basic.json"
_SAMPLES = demo_data("samples")
CALL_CODE = _SAMPLES["call"]  # the call load_call() returns by default
IN_WINDOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=BEIJING)  # inside the 2026 call window
BEFORE_TOWNSHIP_DEADLINE = dt.datetime(2026, 2, 20, 10, 0, tzinfo=BEIJING)
TEST_REVISION_DAYS = 10  # the call's 补正期限 setting (市经信局设定) in tests: a test's choice, not a policy
PASSWORD = "pw-not-used-123"
# 统一社会信用代码 prefixes (登记管理部门 9 + 企业 1, the sample region's 行政区划代码, then a fixed start of the
# organisation code): one per kind of test enterprise, so that their codes never collide.
_REGION_CODE = _SAMPLES["division_code"]
CREDIT_CODE_PREFIX = f"91{_REGION_CODE}MA49"


# ---------------------------------------------------------------- identities

_serials = itertools.count(1)


def valid_credit_code(serial: int | None = None, *, prefix: str = CREDIT_CODE_PREFIX) -> str:
    """A well-formed 统一社会信用代码 (GB 32100-2015 check character), different for every call unless
    ``serial`` is given. ``prefix`` is the first 12 characters (default: the sample region, 企业法人)."""
    serial = next(_serials) if serial is None else serial
    body = f"{prefix}{serial:05d}"
    assert len(body) == credit_codes.LENGTH - 1, body
    return body + credit_codes.check_character(body)


def load_call(code: str = CALL_CODE) -> Call:
    """Load the policy packs (``load_policy``) and return the call: the samples' call by default."""
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    call = Call.objects.get(code=code)
    if call.revision_working_days is None:  # the bureau's setting a test call carries (see TEST_REVISION_DAYS)
        call.revision_working_days = TEST_REVISION_DAYS
        call.save(update_fields=["revision_working_days"])
    return call


def organisation(name: str, kind: str, parent: Organisation | None = None) -> Organisation:
    return Organisation.objects.create(name=name, kind=kind, parent=parent)


def unit(name: str, kind: str = Organisation.Kind.SUBDISTRICT) -> Organisation:
    """A township-level unit (乡镇、街道办事处、农场、开发区) that recommends enterprises."""
    return organisation(name, kind)


def city_bureau(name: str = _SAMPLES["city_bureau"], office: str | None = None) -> Organisation:
    """The city bureau (市经信局), or one of its offices (科室) under it when ``office`` is named."""
    bureau = organisation(name, Organisation.Kind.CITY_BUREAU)
    return organisation(office, Organisation.Kind.CITY_OFFICE, bureau) if office else bureau


def user(username: str, role: str, organisation: Organisation | None = None, name: str = "", *,
         email: str | None = "", password: str = PASSWORD, **extra) -> User:
    """A login; ``email=None`` means ``<username>@example.com``."""
    return User.objects.create_user(username=username, password=password, role=role, organisation=organisation,
                                    first_name=name, email=f"{username}@example.com" if email is None else email,
                                    **extra)


def channels(user: User, *, email: bool = True, sms: bool = False, mobile: str = "") -> None:
    """The user's chosen notification channels (test data: written directly; people use the
    notifications.update_channels operation)."""
    from tidu.notifications.models import ChannelPreference

    ChannelPreference.objects.update_or_create(user=user, defaults={"email": email, "sms": sms, "mobile": mobile})


def officer(unit: Organisation, username: str = "town", name: str = "", **kwargs) -> User:
    """An officer of a township-level unit."""
    return user(username, User.Role.TOWNSHIP, unit, name, **kwargs)


def city_officer(username: str = "city", name: str = "", organisation: Organisation | None = None,
                 **kwargs) -> User:
    """A city officer, in ``organisation`` or in the bureau (made once, found afterwards)."""
    if organisation is None:
        organisation = (Organisation.objects.filter(kind=Organisation.Kind.CITY_BUREAU).first()
                        or city_bureau())
    return user(username, User.Role.CITY, organisation, name, **kwargs)


def admin(username: str = "admin", name: str = "", **kwargs) -> User:
    return user(username, User.Role.ADMIN, None, name, **kwargs)


def expert(username: str = "expert", name: str = "", *, profile: bool = False, employer: str = "武汉某大学",
           **kwargs) -> User:
    """An expert login; ``profile=True`` also puts them in the pool (an ``ExpertProfile``)."""
    account = user(username, User.Role.EXPERT, None, name, **kwargs)
    if profile:
        ExpertProfile.objects.create(user=account, title="高级工程师", expertise="智能制造", employer_name=employer)
    return account


def _call_region() -> str:
    """The region of the call registration is for (its pack), else the samples' region (no call loaded)."""
    from tidu.enterprises.call_scope import registration_scope

    scope = registration_scope()
    return scope.region_name if scope is not None else _SAMPLES["region"]


def enterprise(unit: Organisation, name: str, *, credit_code: str | None = None, industry: str = "C3484",
               confirmed: bool = True, register: bool = False, username: str | None = None,
               **fields) -> Enterprise:
    """An enterprise under ``unit``: its organisation node and the Enterprise row (已确认 unless
    ``confirmed=False``). ``fields`` override the contact details. With ``register=True`` it goes through
    ``enterprise_register`` (login ``username``) and the township's ``enterprise_confirm`` instead, so the audit
    trail shows both — the unit must then have an officer."""
    code = credit_code or valid_credit_code()
    values = {"industry_code": industry, "contact_name": "王立新", "contact_phone": "13872800001",
              "contact_email": "contact@example.com", "legal_representative": "李强",
              "registered_region": _call_region()}
    values.update(fields)
    if register:
        made, _account = enterprise_services.enterprise_register(
            name=name, credit_code=code, legal_status=Enterprise.LegalStatus.values[0], unit=unit,
            username=username or f"ent{next(_serials)}", password="Tidu-测试-2026!", **values)
        if confirmed:
            town = User.objects.filter(role=User.Role.TOWNSHIP, organisation=unit, is_active=True).first()
            made = enterprise_services.enterprise_confirm(made, town)
        return made
    node = organisation(name, Organisation.Kind.ENTERPRISE, unit)
    status = Enterprise.Status.CONFIRMED if confirmed else Enterprise.Status.PENDING
    return Enterprise.objects.create(organisation=node, name=name, credit_code=code, status=status, **values)


def enterprise_user(enterprise: Enterprise, username: str, name: str = "", **kwargs) -> User:
    """The enterprise's own login (the one who fills and submits)."""
    return user(username, User.Role.ENTERPRISE, enterprise.organisation, name, **kwargs)


# ---------------------------------------------------------------- applications

def _owner(application_or_enterprise) -> User:
    enterprise = getattr(application_or_enterprise, "enterprise", application_or_enterprise)
    return User.objects.filter(role=User.Role.ENTERPRISE, organisation=enterprise.organisation,
                               is_active=True).order_by("pk").first()


def application(enterprise: Enterprise, *, call: Call | None = None, user: User | None = None, tier: str = "basic",
                filled: bool = False) -> Application:
    """``application_start`` for the enterprise's user (the call defaults to the 2026 call, loaded if needed);
    ``filled=True`` also fills every section and uploads the 自评估报告."""
    call = call or Call.objects.filter(code=CALL_CODE).first() or load_call()
    user = user or _owner(enterprise)
    made = application_services.application_start(enterprise=enterprise, call=call, tier=tier, user=user)
    return fill_complete_application(made, user) if filled else made


def edit_section(application: Application, key: str, *, user: User | None = None, **values) -> Application:
    """Change some fields of one section through ``application_section_save`` (as its enterprise would)."""
    row = application.sections.get(key=key)
    application_services.application_section_save(application=application, key=key, data={**row.data, **values},
                                                  base_revision=row.revision, user=user or _owner(application))
    application.refresh_from_db()
    return application


def submitted(application: Application, *, user: User | None = None, now: dt.datetime = IN_WINDOW,
              key: str | None = None, fill: bool = True):
    """Fill ``application`` (unless it has evidence already or ``fill=False``) and submit it inside the call
    window; returns the Submission (``application`` is refreshed)."""
    user = user or _owner(application)
    if fill and application.status == State.DRAFT and not application.evidence.exists():
        fill_complete_application(application, user)
    submission = application_services.application_submit(application=application, user=user,
                                                         idempotency_key=key or uuid.uuid4().hex, now=now)
    application.refresh_from_db()
    return submission


def put_on_sent_list(*applications: Application, now: dt.datetime | None = None,
                     reason: str = "补充列入（测试数据）", opinions: dict[int, str] | None = None):
    """Put these 乡镇已推荐 applications (one unit) on the unit's 推荐名单 and send it; a frozen list is first
    reopened by a city officer with ``reason``. Times default to the last minute before the township deadline.
    ``opinions`` ({application pk: 推荐意见}) sets the township's words; others keep theirs or read "同意推荐"."""
    first = applications[0]
    town = actor(first, "township")
    city = User.objects.filter(role=User.Role.CITY, is_active=True).first()
    now = now or first.call.township_deadline_before - dt.timedelta(minutes=1)
    rlist = review_services.list_for(call=first.call, unit=first.enterprise.unit, user=town)
    if rlist.is_frozen:
        review_services.list_reopen(rlist=rlist, user=city, reason=reason, now=now)
    missing = [a for a in applications if not rlist.entries.filter(application=a).exists()]
    if missing:
        review_services.entries_add(rlist=rlist, applications=missing, user=town, now=now)
    entries = list(rlist.entries.all())
    opinions = opinions or {}
    review_services.entries_update(rlist=rlist, order=[e.pk for e in entries],
                                   opinions={e.pk: opinions.get(e.application_id) or e.opinion or "同意推荐"
                                             for e in entries}, user=town, now=now)
    review_services.list_sign(rlist=rlist, user=town, now=now)
    return review_services.list_send(rlist=rlist, user=town, now=now)


def receive(application: Application, user: User | None = None, **kwargs):
    """受理 the way the city does it: on the unit's sent list first."""
    put_on_sent_list(application, **kwargs)
    user = user or User.objects.filter(role=User.Role.CITY, is_active=True).first()
    return application_services.application_transition(application=application, action="city_receive", user=user)


# state → (the state before it, the action that leads there, who acts)
PATH = {
    State.SUBMITTED: (State.DRAFT, "submit", "enterprise"),
    State.RETURNED: (State.SUBMITTED, "township_return", "township"),
    State.TOWNSHIP_RECOMMENDED: (State.SUBMITTED, "township_recommend", "township"),
    State.TOWNSHIP_NOT_RECOMMENDED: (State.SUBMITTED, "township_not_recommend", "township"),
    State.WITHDRAWN: (State.SUBMITTED, "withdraw", "enterprise"),
    State.RECEIVED: (State.TOWNSHIP_RECOMMENDED, "city_receive", "city"),
    State.FORMAL_PASSED: (State.RECEIVED, "formal_pass", "city"),
    State.FORMAL_FAILED: (State.RECEIVED, "formal_fail", "city"),
    State.EXPERT_REVIEW: (State.FORMAL_PASSED, "expert_start", "city"),
    State.EXPERT_REVIEWED: (State.EXPERT_REVIEW, "expert_complete", "city"),
    State.ONSITE_VERIFIED: (State.EXPERT_REVIEWED, "onsite_complete", "city"),
    State.PROPOSED: (State.ONSITE_VERIFIED, "propose", "city"),
    State.RECOGNISED: (State.PROPOSED, "recognise", "city"),
    State.NOT_RECOGNISED: (State.EXPERT_REVIEWED, "reject", "city"),
}


def actor(application: Application, who: str) -> User:
    """Who acts for ``application``: "enterprise" (its own user), "township" (an officer of its unit), "city"."""
    organisation = application.enterprise.organisation
    if who == "enterprise":
        return _owner(application)
    if who == "township":
        return User.objects.filter(role=User.Role.TOWNSHIP, is_active=True,
                                   organisation_id=organisation.parent_id).first()
    return User.objects.filter(role=User.Role.CITY, is_active=True).first()


def transition(application: Application, action: str, who: str, **kwargs):
    """``application_transition`` by the right actor, with a reason (and section reasons for a return)."""
    if action in ("township_return", "city_return"):
        kwargs.setdefault("section_reasons", {"basic": "请补充主要产品市场占有率"})
    kwargs.setdefault("reason", "测试意见")
    event = application_services.application_transition(application=application, action=action,
                                                         user=actor(application, who), **kwargs)
    application.refresh_from_db()
    return event


def drive_to(application: Application, state: str, *, submit_at: dt.datetime = BEFORE_TOWNSHIP_DEADLINE):
    """Move ``application`` (a draft, or already on the way) to ``state`` along ``PATH``, every step through
    the services: submission inside the window (filled first), the township's decision, the unit's sent
    推荐名单 before 受理, then the city's steps. Returns it refreshed."""
    application.refresh_from_db()
    if application.status == state:
        return application
    if state == State.DRAFT:
        raise ValueError("an application cannot go back to draft")
    before, action, who = PATH[state]
    drive_to(application, before, submit_at=submit_at)
    if action == "submit":
        submitted(application, user=actor(application, "enterprise"), now=submit_at)
        return application
    if action == "city_receive":
        put_on_sent_list(application)  # the city receives only from the unit's sent 推荐名单
    transition(application, action, who)
    assert application.status == state, (application.status, state)
    if state == State.ONSITE_VERIFIED:
        # The city's 评审结论 after 现场核查: only a 通过 may go on a 公示 (tidu.decisions.rules).
        conclude(application)
    return application


def conclude(application: Application, outcome: str = "pass", reasons: str = "专家评审和现场核查均符合要求",
             user: User | None = None):
    """The city records its 评审结论 on ``application`` (expert_reviewed or onsite_verified)."""
    return decision_services.conclusion_record(application=application, user=user or actor(application, "city"),
                                               outcome=outcome, reasons=reasons)


def lapsed_return(application: Application, returned_from: str) -> Application:
    """Drive ``application`` to ``returned_from``, return it for revision there (the township from 待乡镇审核,
    else the city) and let its 补正期限 pass: the due date is moved to yesterday, as if the return had been made
    earlier (a return itself refuses a date in the past). Returns it refreshed."""
    drive_to(application, returned_from)
    if returned_from == State.SUBMITTED:
        transition(application, "township_return", "township")
    else:
        transition(application, "city_return", "city")
    Application.objects.filter(pk=application.pk).update(
        revision_due=clock.business_today() - dt.timedelta(days=1))
    application.refresh_from_db()
    return application


# ---------------------------------------------------------------- expert review

# Points for the default rubric's six criteria (maxima 20, 30, 20, 10, 10, 10).
GOOD = ["10", "24", "15", "8", "7", "8"]  # 72


def scores(rubric, points=GOOD) -> dict:
    return {c.pk: p for c, p in zip(rubric.criteria.all(), points, strict=True)}


def submit_scores(assignment, points=GOOD, comments="意见"):
    return expert_services.score_save(assignment=assignment, user=assignment.expert,
                                      raw=scores(assignment.rubric, points), comments=comments, submit=True)


def points_for_total(total: int) -> list[str]:
    """Points for the default rubric that add up to ``total`` (0..100), filling criteria in order."""
    maxima = [20, 30, 20, 10, 10, 10]
    out, left = [], Decimal(total)
    for m in maxima:
        take = min(left, m)
        out.append(str(take))
        left -= take
    return out


SHORT_PANEL_REASON = "（测试）专家人数少于评分表要求，经市经信局同意以现有专家完成"


def expert_reviewed(application: Application, experts, *, city: User | None = None, points=GOOD,
                    comments: str = "意见", quorum_override_reason: str | None = None):
    """From 形式审查通过: assign ``experts``, each submits ``points``, the city completes the review (the real
    expert-review services); pending events are delivered so the on-site check opens.

    With fewer experts than the rubric's panel size the completion needs a reason (the quorum rule):
    ``SHORT_PANEL_REASON`` unless one is given; pass ``quorum_override_reason=""`` to see the refusal."""
    city = city or actor(application, "city")
    drive_to(application, State.FORMAL_PASSED)
    experts = list(experts)
    assignments = expert_services.assign_experts(application=application, user=city, experts=experts)
    for assignment in assignments:
        submit_scores(assignment, points, comments=comments)
    if quorum_override_reason is None:
        short = bool(assignments) and len(experts) < assignments[0].rubric.experts_per_application
        quorum_override_reason = SHORT_PANEL_REASON if short else ""
    expert_services.review_complete(application=application, user=city,
                                    quorum_override_reason=quorum_override_reason)
    # Tests run inside one transaction that never commits: deliver the events now.
    deliver_pending()
    application.refresh_from_db()
    return application


# ---------------------------------------------------------------- a complete application

def image_bomb_png(width: int = 8900, height: int = 8900) -> bytes:
    """A PNG whose header says ``width``×``height`` pixels (black, 1 bit per pixel): about 10 KB on disk,
    hundreds of megabytes once decoded. Built row by row, so making it takes no memory either."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def minimal_pdf_bytes(text: str = "tidu") -> bytes:
    """A tiny but valid one-page PDF (made with pypdf), e.g. for an evidence upload."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def complete_section_data(application: Application) -> dict[str, dict[str, Any]]:
    """Raw input for every section, as a browser would post it, built from passing-basic.json."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    enterprise = application.enterprise
    company, record, security = example["enterprise"], example["record"], example["security"]
    organisation, maturity, cooperation = example["organisation"], example["maturity"], example["cooperation"]

    def events(rows):
        return [{"date": row["date"], "description": row.get("description", "")} for row in rows]

    return {
        "basic": {
            "name": enterprise.name or company["name"],
            "credit_code": enterprise.credit_code or company["credit_code"],
            "registered_region": company["registered_region"],
            "legal_status": company["legal_status"],
            "industry_code": company["industry_code"],
            "above_designated_size": _yn(company["above_designated_size"]),
            "main_business_revenue_10k_yuan": _num(company["main_business_revenue_10k_yuan"]),
            "employees": "260",
            "competitiveness": company["competitiveness"],
            "contact_name": enterprise.contact_name or "王立新",
            "contact_phone": enterprise.contact_phone if _PHONE.match(enterprise.contact_phone or "") else "13872800001",
        },
        "conditions": {
            "construction_completed": _yn(example["construction_completed"]),
            "operations_and_finance_sound": _yn(record["operations_and_finance_sound"]),
            "has_bad_credit_records": _yn(bool(record["bad_credit_records"])),
            "bad_credit_records": events(record["bad_credit_records"]),
            "has_accidents": _yn(bool(record["accidents"])),
            "accidents": [{"date": row["date"], "category": row["category"], "severity": row["severity"],
                           "fatalities": str(row["fatalities"]), "description": row.get("description", "")}
                          for row in record["accidents"]],
            "has_violations": _yn(bool(record["violations"])),
            "violations": events(record["violations"]),
            "secure_and_controllable": _yn(security["secure_and_controllable"]),
            "cyber_and_data_risk_controllable": _yn(security["cyber_and_data_risk_controllable"]),
            "onsite_verification": _yn(cooperation["onsite_verification"]),
            "technology_promotion": _yn(cooperation["technology_promotion"]),
            "case_exchange": _yn(cooperation["case_exchange"]),
        },
        "maturity": {
            "level": str(maturity["level"]),
            "score": _num(maturity["score"]),
            "report_number": maturity["report_number"],
            "report_date": maturity["report_date"],
            "platform": maturity["platform"],
        },
        "scope": {
            "scope": example["scope"],
            "project_name": "机加车间智能化改造项目",
            "start_date": "2024-03-01",
            "end_date": "2025-10-31",
            "total_investment_10k_yuan": "3260",
            "integrators": "国内某软件公司（MES）；国内某自动化公司（产线集成）",
            "summary": "围绕阀体机加车间，建设设备联网、在线视觉检测和高级排产，实现生产过程数据贯通。",
        },
        "scenarios": {
            "scenarios": [{"id": row["id"], "description": row["description"], "equipment_software": "",
                           "uses_ai": _yn(row.get("uses_ai", False))} for row in example["scenarios"]],
        },
        "equipment": {
            "equipment": [{"name": row["name"], "category": row.get("category", ""), "model": row.get("model", ""),
                           "vendor": row.get("vendor", ""), "origin": row.get("origin", ""),
                           "secure_controllable": _yn(row["secure_controllable"])} for row in example["equipment"]],
        },
        "kpis": {kpi_id: {key: _num(value) for key, value in inputs.items()}
                 for kpi_id, inputs in example["kpis"].items()},
        "organisation": {
            "has_mechanism": _yn(organisation["has_mechanism"]),
            "description": organisation["description"],
            "talent_count": str(organisation["talent_count"]),
        },
        "attestation": {
            "signer_name": enterprise.legal_representative or enterprise.contact_name or "王立新",
            "confirmed": "yes",
        },
    }


def fill_complete_application(application: Application, user, *, with_evidence: bool = True,
                              sections: list[str] | None = None) -> Application:
    """Fill every section of ``application`` through ``application_section_save`` with the data of
    ``eligibility/examples/passing-basic.json`` and upload the 自评估报告 through ``evidence_upload`` (details in
    ``tidu/applications/testing.py``); returns it refreshed from the database."""
    data = complete_section_data(application)
    rows = {row.key: row for row in application.sections.all()}
    for key in sections or list(data):
        application_services.application_section_save(application=application, key=key, data=data[key],
                                                      base_revision=rows[key].revision, user=user)
    if with_evidence and (sections is None or "maturity" in sections) \
            and not application.evidence.filter(topic="maturity_report").exists():
        upload = SimpleUploadedFile("自评估报告.pdf", minimal_pdf_bytes("自评估报告"), content_type="application/pdf")
        evidence_upload(application=application, section="maturity", topic="maturity_report", upload=upload,
                        user=user)
    application.refresh_from_db()
    return application


# --- reading the audit trail in tests -------------------------------------------------------------------

class AuditSince:
    """The audit rows written since it was made (``one(kind)`` asserts there is exactly one of that kind)."""

    def __init__(self):
        self.last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def rows(self, object_type=None):
        rows = AuditEntry.objects.filter(id__gt=self.last).order_by("id")
        return list(rows.filter(object_type=object_type) if object_type else rows)

    def one(self, object_type):
        rows = self.rows(object_type)
        assert len(rows) == 1, [(r.object_type, r.action) for r in rows]
        return rows[0]


def audit_facts(row):
    """Who did what, from which state to which: the facts an audit row must get right."""
    return row.actor, row.action, row.from_status, row.to_status



# ---------------------------------------------------------------- many applications at once (scale tests, bench)

def clone_applications(template: Application, count: int, *, units: list[Organisation] | None = None,
                       status: str | None = None, serial_from: int = 1, prefix: str = f"91{_REGION_CODE}MB49",
                       chunk: int = 1000) -> int:
    """``count`` copies of ``template`` (a submitted application built through the services), each with its
    own enterprise under one of ``units`` (round robin; default the template's unit), its sections and its
    receipt, written with bulk inserts: the equivalent bulk path for scale tests and ``bench/``. Copies are in
    ``status`` (default the template's) and carry no evidence files, users or audit rows. Returns ``count``."""
    from tidu.applications.models import ApplicationSection, Submission
    from tidu.documents.dossier import SUMMARY_FACT_FIELDS
    from tidu.documents.models import SummaryFacts

    template_enterprise = template.enterprise
    units = units or [template_enterprise.organisation.parent]
    sections = list(ApplicationSection.objects.filter(application=template).values("key", "data", "revision"))
    receipt = template.submissions.order_by("-submitted_at", "-pk").first()
    facts = (SummaryFacts.objects.filter(submission=receipt).values(
        "policy_sha256", *SUMMARY_FACT_FIELDS).first() if receipt is not None else None)
    receipt_fields = [field.attname for field in Submission._meta.concrete_fields if field.attname not in {
        "id", "application_id", "number", "idempotency_key"}]  # the verdict summary too (outcome, clauses…)
    enterprise_fields = {name: getattr(template_enterprise, name) for name in (
        "legal_status", "industry_code", "registered_region", "address", "legal_representative", "contact_name",
        "contact_phone", "contact_email", "status")}
    done = 0
    while done < count:
        batch = range(serial_from + done, serial_from + min(count, done + chunk))
        names = {serial: f"{template_enterprise.name}（{serial}）" for serial in batch}
        nodes = Organisation.objects.bulk_create([
            Organisation(name=names[serial], kind=Organisation.Kind.ENTERPRISE, parent=units[serial % len(units)])
            for serial in batch])
        enterprises = Enterprise.objects.bulk_create([
            Enterprise(organisation=node, name=node.name, credit_code=valid_credit_code(serial, prefix=prefix),
                       **enterprise_fields) for serial, node in zip(batch, nodes, strict=True)])
        applications = Application.objects.bulk_create([
            Application(enterprise=enterprise, call_id=template.call_id, tier=template.tier,
                        unit_id=node.parent_id, status=status or template.status)
            for enterprise, node in zip(enterprises, nodes, strict=True)])
        _insert_rows(ApplicationSection, [
            ApplicationSection(application=application, **section)
            for application in applications for section in sections])
        if receipt is not None:
            first_new = Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _insert_rows(Submission, [
                Submission(application=application, number=f"{receipt.number}-{serial}",
                           idempotency_key=uuid.uuid4().hex,
                           **{name: getattr(receipt, name) for name in receipt_fields})
                for serial, application in zip(batch, applications, strict=True)])
            if facts is not None:  # the receipts' 汇总表 facts, as the submit operation's subscriber stores them
                SummaryFacts.objects.bulk_create([
                    SummaryFacts(submission_id=pk, **facts) for pk in Submission.objects.filter(
                        pk__gt=first_new, application__in=applications).values_list("pk", flat=True)])
        done += len(batch)
    return count


def _insert_rows(model, objects: list) -> None:
    """Insert ``objects`` (ids not needed back). On PostgreSQL one ``COPY … FROM STDIN`` with each distinct JSON
    value serialised once (the copies share their template's dicts): bulk_create's UNNEST path escapes every JSON
    document into an array literal character by character (70 % of a clone's time, profiled). Elsewhere
    bulk_create. No save(), no signals, as bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    dumped: dict[int, str] = {}

    def prepared(field, obj):
        value = field.pre_save(obj, add=True)
        if isinstance(field, models.JSONField):
            if value is None:
                return None
            key = id(value)
            if key not in dumped:
                dumped[key] = json.dumps(value, cls=field.encoder or DjangoJSONEncoder, ensure_ascii=False)
            return dumped[key]
        return field.get_db_prep_save(value, connection)

    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([prepared(field, obj) for field in fields])


# ---------------------------------------------------------------- 自评估报告 PDFs (c3mep import)

def c3mep_report_pdf(layout: str = "lines", *, level: str = "二级（规范级）", score: str = "2.35",
                     number: str = "C3MEP-2025-000123", date: str = "2025年12月18日",
                     title: str = "智能制造能力成熟度自评估报告") -> bytes:
    """A report-shaped PDF like the one 智能制造评估评价公共服务平台 issues, typeset with Typst (the project's PDF
    pipeline, CJK font embedded). ``layout``: "lines" (label：value lines), "table" (label | value cells),
    "header" (a header row over a value row), or "letter" (a letter that is not a report at all)."""
    import typst

    from tidu.documents.typst_engine import font_setup

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"')

    setup = font_setup()
    head = f'#set text(font: ("{esc(setup.body[0])}",), size: 11pt)\n'
    enterprise_name = _SAMPLES["sample"]["enterprise"]
    facts = [("企业名称", enterprise_name), ("评估等级", level), ("评估得分", score), ("报告编号", number),
             ("评估日期", date)]
    if layout == "lines":
        body = (f'#align(center)[#text(size: 16pt)[#"{esc(title)}"]]\n\n#"智能制造评估评价公共服务平台"\n\n'
                + "\n\n".join(f'#"{esc(label)}：{esc(value)}"' for label, value in facts)
                + '\n\n#"说明：成熟度等级分为一级至五级，依据 GB/T 39116-2020。"')
    elif layout == "table":
        cells = ", ".join(f'[#"{esc(label)}"], [#"{esc(value)}"]' for label, value in facts)
        body = f'= #"{esc(title)}"\n#"智能制造评估评价公共服务平台（www.c3mep.cn）"\n\n#table(columns: 2, {cells})\n'
    elif layout == "header":
        labels = ", ".join(f'[#"{esc(label)}"]' for label, _value in facts[1:])
        values = ", ".join(f'[#"{esc(value)}"]' for _label, value in facts[1:])
        body = (f'= #"{esc(title)}"\n#"企业名称：{esc(enterprise_name)}"\n\n'
                f"#table(columns: 4, {labels}, {values})\n")
    elif layout == "letter":
        body = '#"关于报送2025年度安全生产情况的函"\n\n#"市应急管理局：我单位2025年度未发生安全生产事故，特此报告。"\n'
    else:
        raise ValueError(layout)
    return typst.Compiler(font_paths=setup.fonts).compile(input=(head + body).encode(), format="pdf")


# ---------------------------------------------------------------- peers for the KPI benchmark

_peer_serials = itertools.count(1)


def set_kpis(application: Application, values: dict[str, float]) -> None:
    """Make ``values`` ({KPI id: value}) the KPI figures judged at ``application``'s latest submission (what the
    peer benchmark reads); KPIs not named have no value."""
    from tidu.applications.models import Submission
    from tidu.policy.selectors import call_policy_for

    kpi_map = call_policy_for(application.call).kpi_map
    submission = application.submissions.order_by("-submitted_at", "-pk").first()
    kpis = {kpi_id: {"name": kpi["name"], "unit": kpi.get("unit", ""), "value": values.get(kpi_id),
                     "status": "computed" if kpi_id in values else "missing"} for kpi_id, kpi in kpi_map.items()}
    Submission.objects.filter(pk=submission.pk).update(verdict={**submission.verdict, "kpis": kpis})


def peer_applications(template: Application, kpi_values: list[dict[str, float]], *,
                      industry: str | None = None, tier: str | None = None) -> list[Application]:
    """One more submitted application of ``template``'s call per item of ``kpi_values`` (``clone_applications``:
    own enterprise, receipt), each with those KPI figures. ``industry`` gives the copies another GB/T 4754 code
    (registry and submitted 基本信息); ``tier`` another tier. Returns them in order."""
    from tidu.applications.models import Submission

    before = Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    serial = next(_peer_serials) * 100
    clone_applications(template, len(kpi_values), serial_from=serial, prefix=f"91{_REGION_CODE}MC49")
    made = list(Application.objects.filter(pk__gt=before, call=template.call).order_by("pk"))
    if tier:
        Application.objects.filter(pk__in=[a.pk for a in made]).update(tier=tier)
    for application, values in zip(made, kpi_values, strict=True):
        if industry:
            Enterprise.objects.filter(pk=application.enterprise_id).update(industry_code=industry)
            for submission in Submission.objects.filter(application=application):
                snapshot = submission.snapshot
                snapshot["sections"]["basic"]["industry_code"] = industry
                Submission.objects.filter(pk=submission.pk).update(snapshot=snapshot)
        set_kpis(application, values)
        application.refresh_from_db()
    return made


# ---------------------------------------------------------------- registry files (bulk enterprise import)

def registry_row(serial: int, **values) -> dict:
    """One enterprise as a row of the import template (column key → text), valid unless ``values`` say otherwise."""
    row = {"name": f"导入测试企业{serial:05d}有限公司", "credit_code": valid_credit_code(serial, prefix=f"91{_REGION_CODE}MA4B"),
           "legal_status": "独立法人", "industry_code": "C3484", "registered_region": "", "address": "",
           "legal_representative": "", "contact_name": "联系人", "contact_phone": f"138{serial:08d}",
           "contact_email": ""}
    row.update(values)
    return row


def registry_file(rows: list[dict], *, with_unit: bool = False, fmt: str = "xlsx", encoding: str = "utf-8-sig") -> bytes:
    """The rows written into the import template's columns (as a user fills the downloaded template)."""
    from tidu.enterprises.bulk_import import columns_for

    columns = columns_for(with_unit=with_unit)
    headers = [f"{column.header}{'*' if column.required else ''}" for column in columns]
    lines = [[row.get(column.key, "") for column in columns] for row in rows]
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(lines)
        return buffer.getvalue().encode(encoding)
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- translations

@contextlib.contextmanager
def english(translations: dict[str, str]):
    """Add English translations for Chinese msgids that the catalogue (tidu/locale/en, filled by the lead once
    new strings are merged) does not hold yet, for the duration of a test; msgids it already holds keep theirs.
    The English a test asserts is then the one given here."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("en")._catalog
    added = [msgid for msgid in translations if msgid not in catalog]
    for msgid in added:
        catalog[msgid] = translations[msgid]
    try:
        yield
    finally:
        for msgid in added:
            for part in catalog._catalogs:
                part.pop(msgid, None)


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def notice_in(notice, language: str) -> str:
    """A notice's title and body as the notices page shows them to a reader of ``language``."""
    from django.utils import translation

    with translation.override(language):
        return f"{notice.shown_title}\n{notice.shown_body}"


def cjk_left(text: str, *kept: str) -> list[str]:
    """The Chinese characters (and full-width punctuation) of ``text`` once the ``kept`` words (names, policy
    terms shown as written) are taken out: [] when an English reader reads only English."""
    for word in kept:
        text = text.replace(word, "")
    return _CJK.findall(text)
