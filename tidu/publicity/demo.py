"""Demo 公示: a finalised first batch with a recognised factory, and a second batch being publicised now.

Two demo enterprises of this module go through the whole pipeline with the real services: the
enterprise fills and submits its application inside the call window (2026-03-10 10:00 北京时间),
the township officer recommends it, the city (demo user ``city``) receives, checks, sends it to
experts, completes expert review and on-site verification. The first is publicised in batch 1,
already over, and recognised; the second, with every other demo application that other modules left
in 现场核查完成 (onsite_verified), is in batch 2, whose period starts today (by ``clock.now()``).

The two enterprises and the bureau's phone number are demo data (tidu/core/demo_data/seed_call.yaml,
``publicity``); the phone number shown is a placeholder: the real one is not sourced here.
Idempotent: enterprises, applications and publicities are found by their fixed names on a rerun.
"""

from __future__ import annotations

import datetime as dt

from tidu.accounts.demo import ensure_organisation, ensure_user, unit
from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.demo import DEMO_PASSWORD, at, demo_data, moment
from tidu.core.timezones import BEIJING
from tidu.decisions import services as decision_services
from tidu.enterprises import credit_code, industries
from tidu.enterprises.demo import DEMO_REGION
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call
from tidu.publicity import services
from tidu.publicity.models import Publicity
from tidu.review.testing import put_on_sent_list

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
# Submitted, recommended and added to their unit's sent 推荐名单 (reopened by the city for it) before the township
# deadline of 1 March; the review demo's draft list stays a draft (README's demo table).
SUBMITTED_AT = dt.datetime(2026, 2, 25, 10, 0, tzinfo=BEIJING)
LISTED_AT = dt.datetime(2026, 2, 28, 10, 0, tzinfo=BEIJING)
DEMO_PHONE = _DATA["publicity"]["bureau_phone"]
# username, name, credit code, industry, unit, township officer, legal representative, contact, phone
ENTERPRISES = [tuple(row[key] for key in ("username", "name", "credit_code", "industry", "unit", "officer",
                                          "legal_representative", "contact", "phone"))
               for row in _DATA["publicity"]["enterprises"]]
CITY_STEPS = (("city_receive", moment(3, 2, 14)), ("formal_pass", moment(3, 20, 18)),
              ("expert_start", moment(3, 23, 16)), ("expert_complete", moment(4, 8, 16)),
              ("onsite_complete", moment(4, 10, 16)))
CONCLUDED_AT = moment(4, 15, 11)
# The same 局长办公会 that decided the 不予认定 of tidu.decisions.demo approves these 通过.
MEETING = {"meeting_name": "市经信局局长办公会", "meeting_date": dt.date(2026, 4, 20),
           "attendees": "局长、分管副局长、中小企业科、信息化推进科、法规科负责人",
           "note": "审议2026年度基础级智能工厂专家评审结论，同意评审结论为通过的企业进入公示。"}
DECIDED_AT = moment(4, 20, 17, 30)
# 第一批: published on 27 April for 5 working days, then 认定.
FIRST_START = dt.date(2026, 4, 27)
FIRST_FINALISED_AT = moment(5, 8, 10)


def _enterprise(username, name, code, industry, unit_name, officer, representative, contact, phone):
    code = credit_code.validate(code)
    industry = industries.validate(industry)
    organisation = ensure_organisation(name, Organisation.Kind.ENTERPRISE, unit(unit_name))
    user = ensure_user(username, role=User.Role.ENTERPRISE, organisation=organisation, name=contact, phone=phone)
    enterprise, _ = Enterprise.objects.get_or_create(credit_code=code, defaults={
        "organisation": organisation, "name": name, "registered_region": DEMO_REGION, "industry_code": industry, "legal_representative": representative,
        "contact_name": contact, "contact_phone": phone, "contact_email": user.email,
        "status": Enterprise.Status.CONFIRMED, "confirmed_by": User.objects.get(username=officer),
        "confirmed_at": clock.now()})
    return user, enterprise


def _verified_application(call, spec, city) -> Application:
    """The enterprise's application, driven to 现场核查完成 (or found wherever it already is)."""
    with at(moment(1, 14)):
        user, enterprise = _enterprise(*spec)
    application = Application.objects.filter(enterprise=enterprise, call=call).first()
    if application is not None:
        return application
    with at(moment(2, 23, 14)):
        application = application_services.application_start(enterprise=enterprise, call=call, tier="basic",
                                                             user=user)
        fill_complete_application(application, user)
    with at(SUBMITTED_AT):
        application_services.application_submit(application=application, user=user,
                                                idempotency_key=f"demo-{spec[0]}", now=SUBMITTED_AT)
    officer = User.objects.get(username=spec[5])
    with at(moment(2, 25, 15)):
        application_services.application_transition(application=application, action="township_recommend",
                                                    user=officer)
    # 受理 only from the unit's sent 推荐名单: the city reopens the unit's list so that it can add this one.
    with at(LISTED_AT):
        put_on_sent_list(application, now=LISTED_AT,
                         reason=f"{spec[4]}申请补充推荐一家已审核的企业，同意退回名单补充后重新报送")
    for action, when in CITY_STEPS:
        with at(when):
            application_services.application_transition(application=application, action=action, user=city)
    # The city's 评审结论 after 现场核查 (only a 通过 may go on a 公示), and the 集体决策 on it.
    with at(CONCLUDED_AT):
        conclusion = decision_services.conclusion_record(application=application, user=city, outcome="pass",
                                                         reasons="专家评审和现场核查均符合基础级智能工厂要求")
    with at(DECIDED_AT):
        decision_services.collective_decision_record(call=call, user=city, conclusion_ids=[conclusion.pk], **MEETING)
    application.refresh_from_db()
    return application


def load(out) -> list[tuple[str, str, str]]:
    call = Call.objects.filter(code=CALL_CODE).first()
    city = User.objects.filter(username="city").first()
    if call is None or city is None:
        out.write("公示：跳过（需先载入申报批次和市经信局演示账号）\n")
        return []
    now = clock.now()
    today = services.business_today(now)
    base_title = services.default_title(call)
    contact = {"contact_office": services.default_contact_office(call), "contact_phone": DEMO_PHONE}

    first_title = f"{base_title}（第一批）"
    recognised = _verified_application(call, ENTERPRISES[0], city)
    if not Publicity.objects.filter(title=first_title).exists() and recognised.status == State.ONSITE_VERIFIED:
        published_at = dt.datetime.combine(FIRST_START, dt.time(9, 0), tzinfo=BEIJING)
        with at(published_at - dt.timedelta(days=3)):
            publicity = services.publicity_create(call=call, user=city, title=first_title, start_date=FIRST_START,
                                                  working_days=5, **contact)
            services.publicity_add_entries(publicity=publicity, application_ids=[recognised.pk], user=city)
        with at(published_at):
            services.publicity_publish(publicity=publicity, user=city, now=published_at)
        with at(FIRST_FINALISED_AT):
            services.publicity_finalise(publicity=publicity, user=city, now=FIRST_FINALISED_AT)

    second_title = f"{base_title}（第二批）"
    _verified_application(call, ENTERPRISES[1], city)
    if not Publicity.objects.filter(title=second_title).exists():
        candidates = [a.pk for a in services.publicity_candidates(call) if a.status == State.ONSITE_VERIFIED]
        if candidates:
            publicity = services.publicity_create(call=call, user=city, title=second_title, start_date=today,
                                                  working_days=5, **contact)
            services.publicity_add_entries(publicity=publicity, application_ids=candidates, user=city)
            services.publicity_publish(publicity=publicity, user=city, now=now)
    summary = "；".join(f"{p.title}（{p.get_status_display()}，{p.entries.count()} 家）"
                       for p in Publicity.objects.filter(title__in=[first_title, second_title]).order_by("start_date"))
    out.write(f"公示：{summary or '无'}\n")
    return [(f"{ENTERPRISES[0][4]}企业·已认定", ENTERPRISES[0][0], DEMO_PASSWORD),
            (f"{ENTERPRISES[1][4]}企业·公示中", ENTERPRISES[1][0], DEMO_PASSWORD)]
