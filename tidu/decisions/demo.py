"""Demo decisions: a 不予认定 after expert review, and the city's 通过 for what other modules verified on site.

* One demo enterprise (tidu/core/demo_data/seed_call.yaml, ``decisions``) goes through the pipeline with the
  real services: filled and submitted in the window, recommended, received from the sent 推荐名单, 形式审查,
  scored low by the demo experts, 专家评审完成. The city records 评审结论 不通过 with its reasons, a 集体决策 (局长办公会) is attached, and the application is
  不予认定 through its own "reject" transition. (The experts app's 专家组意见 is not in this branch: none is made.)
* Every other demo application left in 现场核查完成 gets the city's 通过, so that 公示 can list it
  (only a 通过 may go on a 公示: tidu.decisions.rules).

Idempotent: the enterprise and its application are found by their fixed names on a rerun.
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
from tidu.core.errors import TiduError
from tidu.core.timezones import BEIJING
from tidu.decisions import selectors, services
from tidu.decisions.models import ReviewConclusion
from tidu.enterprises import credit_code, industries
from tidu.enterprises.demo import DEMO_REGION
from tidu.enterprises.models import Enterprise
from tidu.experts import selectors as expert_selectors
from tidu.experts import services as expert_services
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review.testing import put_on_sent_list

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
SUBMITTED_AT = dt.datetime(2026, 2, 26, 10, 0, tzinfo=BEIJING)
LISTED_AT = dt.datetime(2026, 2, 28, 11, 0, tzinfo=BEIJING)
# username, name, credit code, industry, unit, township officer, legal representative, contact, phone
REJECTED = tuple(_DATA["decisions"]["rejected"][key] for key in (
    "username", "name", "credit_code", "industry", "unit", "officer", "legal_representative", "contact", "phone"))
# Low scores for the default rubric's six criteria (maxima 20, 30, 20, 10, 10, 10): totals 46, 50, 48.
LOW_SCORES = ([5, 15, 10, 6, 5, 5], [5, 18, 10, 6, 6, 5], [5, 16, 10, 7, 5, 5])
LOW_COMMENTS = ("智能制造场景多为规划，已建成场景仅覆盖仓储环节，数据采集未贯通生产过程。",
                "关键指标缺少统计依据，设备联网率与申报数不符，建议完善后下一年度再申报。",
                "信息化投入以办公系统为主，生产环节数字化程度不足，示范性不强。")
CONCLUSION_REASONS = ("专家组评分明显偏低（三位专家总分均在 50 分左右），专家意见一致认为：已建成的智能制造场景"
                      "仅覆盖仓储环节，数据采集未贯通生产过程，关键指标缺少统计依据，尚未达到基础级智能工厂要求。")
MEETING = {"meeting_name": "市经信局局长办公会", "meeting_date": dt.date(2026, 4, 20),
           "attendees": "局长、分管副局长、中小企业科、信息化推进科、法规科负责人",
           "note": _DATA["decisions"]["meeting_note"]}
CONCLUDED_AT = moment(4, 15, 10)  # 评审结论, before the 局长办公会 of 20 April
DECIDED_AT = moment(4, 20, 17)
REJECTED_AT = moment(4, 21, 10)
REJECT_REASON = "经专家评审和局长办公会集体决策，评审结论为不通过：" + CONCLUSION_REASONS


def _enterprise():
    username, name, code, industry, unit_name, officer, representative, contact, phone = REJECTED
    organisation = ensure_organisation(name, Organisation.Kind.ENTERPRISE, unit(unit_name))
    user = ensure_user(username, role=User.Role.ENTERPRISE, organisation=organisation, name=contact, phone=phone)
    enterprise, _ = Enterprise.objects.get_or_create(credit_code=credit_code.validate(code), defaults={
        "organisation": organisation, "name": name, "registered_region": DEMO_REGION,
        "industry_code": industries.validate(industry),
        "legal_representative": representative, "contact_name": contact, "contact_phone": phone,
        "contact_email": user.email, "status": Enterprise.Status.CONFIRMED,
        "confirmed_by": User.objects.get(username=officer), "confirmed_at": clock.now()})
    return user, enterprise


def _expert_reviewed(call, city) -> Application:
    with at(moment(1, 14)):
        user, enterprise = _enterprise()
    application = Application.objects.filter(enterprise=enterprise, call=call).first()
    if application is not None:
        return application
    with at(moment(2, 24, 14)):
        application = application_services.application_start(enterprise=enterprise, call=call, tier="basic",
                                                             user=user)
        fill_complete_application(application, user)
    with at(SUBMITTED_AT):
        application_services.application_submit(application=application, user=user, idempotency_key="demo-hanjiang",
                                                now=SUBMITTED_AT)
    with at(moment(2, 26, 16)):
        application_services.application_transition(application=application, action="township_recommend",
                                                    user=User.objects.get(username=REJECTED[5]))
    with at(LISTED_AT):
        put_on_sent_list(application, now=LISTED_AT,
                         reason=f"{REJECTED[4]}申请补充推荐一家已审核的企业，同意退回名单补充后重新报送")
    for action, when in (("city_receive", moment(3, 2, 11)), ("formal_pass", moment(3, 20, 17))):
        with at(when):
            application_services.application_transition(application=application, action=action, user=city)
    with at(moment(3, 23, 14)):
        rubric = expert_services.rubric_ensure(call, call_policy_for(call).call_tier["id"], city)
        eligible, _ = expert_selectors.candidates(application, rubric)
        experts = [c.user for c in eligible][:rubric.experts_per_application]
        assignments = expert_services.assign_experts(application=application, user=city, experts=experts)
    criteria = list(rubric.criteria.all())
    for day, (assignment, points, comments) in enumerate(zip(assignments, LOW_SCORES, LOW_COMMENTS, strict=False)):
        raw = {c.pk: str(min(p, int(c.max_points))) for c, p in zip(criteria, points, strict=False)}
        with at(moment(3, 29, 15) + dt.timedelta(days=day)):
            expert_services.score_save(assignment=assignment, user=assignment.expert, raw=raw, comments=comments,
                                       submit=True)
    with at(moment(4, 3, 10)):
        try:
            expert_services.review_complete(application=application, user=city, note="专家组评分完成")
        except TiduError:  # e.g. fewer demo experts than the rubric asks for: the city completes it as a step
            application_services.application_transition(application=application, action="expert_complete",
                                                        user=city)
    application.refresh_from_db()
    return application


def load(out) -> list[tuple[str, str, str]]:
    call = Call.objects.filter(code=CALL_CODE).first()
    city = User.objects.filter(username="city", role=User.Role.CITY).first()
    if call is None or city is None:
        out.write("评审结论：跳过（需先载入申报批次和市经信局演示账号）\n")
        return []
    passed = 0
    for application in Application.objects.filter(call=call, status=State.ONSITE_VERIFIED).order_by("pk"):
        if selectors.latest_conclusion(application) is None:
            with at(CONCLUDED_AT):
                services.conclusion_record(application=application, user=city,
                                           outcome=ReviewConclusion.Outcome.PASS,
                                           reasons="专家评审和现场核查均符合基础级智能工厂要求")
            passed += 1
    rejected = _expert_reviewed(call, city)
    if rejected.status == State.EXPERT_REVIEWED:
        conclusion = selectors.latest_conclusion(rejected)
        if conclusion is None:
            with at(CONCLUDED_AT):
                conclusion = services.conclusion_record(application=rejected, user=city,
                                                        outcome=ReviewConclusion.Outcome.FAIL,
                                                        reasons=CONCLUSION_REASONS)
        if conclusion.collective_decision_id is None:
            with at(DECIDED_AT):
                services.collective_decision_record(call=call, user=city, conclusion_ids=[conclusion.pk], **MEETING)
        with at(REJECTED_AT):
            application_services.application_transition(application=rejected, action="reject", user=city,
                                                        reason=REJECT_REASON)
        rejected.refresh_from_db()
    out.write(f"评审结论：通过 {passed} 份；{rejected.enterprise.name}（{rejected.status_label}）\n")
    return [(f"{REJECTED[4]}企业·不予认定", REJECTED[0], DEMO_PASSWORD)]
