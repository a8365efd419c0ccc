"""A decision the bureau can defend (issue 9), in a real browser: one call, three applications.

* 楚康药业 goes to expert review with only two experts (the rubric asks for three). The city names a 组长, who
  writes the 专家组意见 from their own scoring page; the city's 专家评审完成 without a reason is refused, then
  done with a reason that shows on the application's record page and in the audit trail. The city records the
  评审结论 不通过, a 集体决策 (meeting, date, attendees) attached to it, and executes 不予认定 from the page:
  the application reads 未认定, with the reasons, for the city and for the enterprise.
* 岳口棉纺织 is returned by the city after the call window closed (15 March) with a 补正期限; the enterprise is
  told until when, corrects the section and resubmits (after the window, before the due date): accepted.
* 华楚精密 passes (评审结论 通过), goes on a 公示 and is recognised: 已认定.

The earlier stages are set up with the builders of tidu/testing.py (the real operations); the steps the issue
names are clicked through as the officer, the expert and the enterprise would.
"""

import datetime as dt

import pytest

from tidu import testing
from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Submission
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry
from tidu.decisions.models import CollectiveDecision, ReviewConclusion
from tidu.e2e.conftest import load_demo_base
from tidu.e2e.test_review_pipeline import (
    CALL_CODE,
    RECEIPT,
    click_and_wait,
    log_in,
    main_text,
    set_clock,
)
from tidu.enterprises.models import Enterprise
from tidu.experts import services as expert_services
from tidu.experts.models import Assignment, ExpertReviewResult, PanelOpinion
from tidu.policy.models import Call
from tidu.publicity.models import Publicity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SETUP_TIME = "2026-03-05T09:00:00+08:00"  # the city works through its intake (township deadline passed)
CITY_TIME = "2026-03-18T09:30:00+08:00"  # after the call window closed (2026-03-15)
RESUBMIT_TIME = "2026-03-23T15:00:00+08:00"  # still before the 补正期限
REVISION_DUE = dt.date(2026, 3, 27)

REJECTED, RETURNED, RECOGNISED = "天门市楚康药业有限公司", "天门市岳口棉纺织有限公司", "天门市华楚精密机械有限公司"
QUORUM_REASON = "库内智能制造方向其余专家均与该企业存在关联关系已回避，经分管领导同意以两位专家完成评审。"
PANEL_OPINION = "专家组意见：企业设备联网率低，典型场景建设多处于规划阶段，智能工厂尚未建成，建议不予通过。"
FAIL_REASONS = "专家组总分 55 分，智能工厂尚未建成（见专家组意见），评审结论不通过。"
MEETING = "市经信局局长办公会"
ATTENDEES = "周敏、王局长、李副局长、中小企业科全体"
RETURN_REASON = "请补充主要产品的市场占有率及其数据来源。"
COMPETITIVENESS = "主导产品为精梳棉纱，2025 年省内市场占有率约 6%（数据来源：湖北省纺织行业协会年报）。"


@pytest.fixture
def three_applications(settings, tmp_path):
    """The demo accounts, an expert pool of three, and three applications of the 2026 call, set up through the
    real operations: 楚康 in expert review with two submitted (low) scores, 棉纺织 受理, 华楚 expert-reviewed by
    three experts with a 通过 after 现场核查."""
    load_demo_base(settings, tmp_path, now=SETUP_TIME)
    city = User.objects.get(username="city")
    experts = [User.objects.get(username=f"expert{n}") for n in (1, 2, 3)]
    for expert in experts:
        expert_services.profile_create(user=city, expert=expert,
                                       data={"title": "高级工程师", "expertise": "智能制造", "employer_name": "武汉某高校"})
    testing.user("auditor", User.Role.AUDITOR, name="审计管理员")
    call = Call.objects.get(code=CALL_CODE)
    apps = {}
    for name in (REJECTED, RETURNED, RECOGNISED):
        enterprise = Enterprise.objects.get(name=name)
        owner = User.objects.get(role=User.Role.ENTERPRISE, organisation=enterprise.organisation)
        application = application_services.application_start(enterprise=enterprise, call=call, tier="basic",
                                                            user=owner)
        apps[name] = fill_complete_application(application, owner)
        testing.drive_to(apps[name], State.TOWNSHIP_RECOMMENDED)
    # 岳口镇 sends one list with 棉纺织 and 华楚; 开发区 sends 楚康's; the city receives all three.
    testing.put_on_sent_list(apps[RETURNED], apps[RECOGNISED])
    testing.put_on_sent_list(apps[REJECTED])
    for application in apps.values():
        testing.transition(application, "city_receive", "city")
    # 楚康: two experts only (the rubric asks for three), both score it low.
    testing.drive_to(apps[REJECTED], State.FORMAL_PASSED)
    for assignment in expert_services.assign_experts(application=apps[REJECTED], user=city, experts=experts[:2]):
        testing.submit_scores(assignment, testing.points_for_total(55), comments="智能工厂尚在建设中，场景多为规划。")
    # 华楚: a full panel, 现场核查 done, 评审结论 通过 (drive_to records it).
    testing.expert_reviewed(apps[RECOGNISED], experts)
    testing.drive_to(apps[RECOGNISED], State.ONSITE_VERIFIED)
    for application in apps.values():
        application.refresh_from_db()
    assert apps[REJECTED].status == State.EXPERT_REVIEW
    assert apps[RETURNED].status == State.RECEIVED
    assert apps[RECOGNISED].status == State.ONSITE_VERIFIED
    return apps


def test_one_call_three_defensible_outcomes(page, three_applications, settings):
    apps = three_applications
    rejected, returned, recognised = apps[REJECTED], apps[RETURNED], apps[RECOGNISED]
    set_clock(settings, CITY_TIME)

    # --- 1. 楚康: quorum, panel opinion, 评审结论 不通过, 集体决策, 不予认定 ----------------------------------
    pk = rejected.pk
    leader = Assignment.objects.get(application=rejected, expert__username="expert1")
    log_in(page, "city")
    page.goto(f"/experts/applications/{pk}/")
    assert "专家评分（已提交 2/2）" in main_text(page)
    click_and_wait(page, page.locator(f"#assignment-{leader.pk}").get_by_role("button", name="指定为组长"))
    assert "（组长）" in page.locator(f"#assignment-{leader.pk}").inner_text()

    # The panel leader writes the 专家组意见 from their own scoring page, next to the others' scores.
    log_in(page, "expert1")
    page.goto(f"/experts/mine/{leader.pk}/")
    opinion = page.locator("#panel-opinion")
    assert "您是本申报的专家组组长" in opinion.inner_text()
    opinion.locator("#opinion-text").fill(PANEL_OPINION)
    click_and_wait(page, opinion.get_by_role("button", name="保存专家组意见"))
    assert "已保存专家组意见" in main_text(page)
    assert PanelOpinion.objects.get(application=rejected).text == PANEL_OPINION

    # The city sees it, and tries to complete the review with two experts and no reason: refused.
    log_in(page, "city")
    page.goto(f"/experts/applications/{pk}/")
    assert PANEL_OPINION in page.locator("#expert-panel").inner_text()
    complete = page.locator("#complete")
    assert "评分表要求 3 位专家，现只有 2 位提交评分" in complete.inner_text()
    click_and_wait(page, complete.get_by_role("button", name="专家评审完成，转入现场核查"))
    refusal = page.locator("#complete .banner-error").inner_text()
    assert "专家人数不足：评分表要求每份申报由 3 位专家评审，已提交评分的只有 2 位" in refusal
    rejected.refresh_from_db()
    assert rejected.status == State.EXPERT_REVIEW
    assert not ExpertReviewResult.objects.filter(application=rejected).exists()

    # ... then overridden with a reason: done, and the reason is on the record.
    page.locator("#complete #quorum_override_reason").fill(QUORUM_REASON)
    click_and_wait(page, page.locator("#complete").get_by_role("button", name="专家评审完成，转入现场核查"))
    assert "专家评审已完成：平均分 55" in main_text(page)
    rejected.refresh_from_db()
    assert rejected.status == State.EXPERT_REVIEWED
    result = ExpertReviewResult.objects.get(application=rejected)
    assert (result.expert_count, result.quorum, result.quorum_override_reason) == (2, 3, QUORUM_REASON)
    assert result.panel_opinion == PANEL_OPINION
    audit = AuditEntry.objects.get(application_id=pk, action="expert_review.complete")
    assert audit.actor.username == "city"
    assert audit.detail["below_quorum"] is True and audit.detail["quorum_override_reason"] == QUORUM_REASON
    assert QUORUM_REASON in audit.reason  # the 操作日志 shows the reason column
    page.goto(f"/applications/{pk}/review/")  # the application's record page
    override = page.locator("#quorum-override").inner_text()
    assert "少于法定人数完成：2 位专家评分（评分表要求 3 位）" in override and QUORUM_REASON in override
    assert PANEL_OPINION in page.locator("#expert-panel").inner_text()

    # 评审结论 不通过, with its reasons.
    page.goto(f"/decisions/applications/{pk}/")
    assert "55" in page.locator(".card").first.inner_text()
    page.locator('input[name="outcome"][value="fail"]').check()
    page.fill('textarea[name="reasons"]', FAIL_REASONS)
    click_and_wait(page, page.get_by_role("button", name="记录评审结论"))
    assert "评审结论已记录：不通过" in main_text(page)
    conclusion = ReviewConclusion.objects.get(application=rejected)
    assert conclusion.outcome == ReviewConclusion.Outcome.FAIL

    # 集体决策: the meeting that decided, attached to that conclusion.
    page.goto(f"/decisions/calls/{rejected.call_id}/")
    form = page.locator("#collective")
    form.locator("#id_meeting_name").fill(MEETING)
    form.locator("#id_meeting_date").fill("2026-03-18")
    form.locator("#id_attendees").fill(ATTENDEES)
    form.locator(f'input[name="conclusion"][value="{conclusion.pk}"]').check()
    click_and_wait(page, form.get_by_role("button", name="记录集体决策"))
    assert "集体决策已记录，并附于所选申报的评审结论。" in main_text(page)
    decision = CollectiveDecision.objects.get()
    conclusion.refresh_from_db()
    assert conclusion.collective_decision == decision
    assert decision.meeting_date == dt.date(2026, 3, 18) and decision.attendees == ATTENDEES

    # 不予认定 from the conclusion page (the reasons are offered from the conclusion).
    page.goto(f"/decisions/applications/{pk}/")
    record = page.locator("table", has_text=FAIL_REASONS).inner_text()
    assert f"{MEETING} 2026-03-18" in record and ATTENDEES in record
    reject = page.locator("#reject")
    assert reject.locator("#id_reject_reason").input_value() == FAIL_REASONS
    click_and_wait(page, reject.get_by_role("button", name="不予认定"))
    assert f"已不予认定：{REJECTED}，企业已收到通知。" in main_text(page)
    assert page.locator(".status-pill").first.inner_text().strip() == "未认定"
    assert page.locator("#reject").count() == 0  # nothing more to do
    rejected.refresh_from_db()
    assert rejected.status == State.NOT_RECOGNISED
    event = rejected.events.get(action="reject")
    assert event.reason == FAIL_REASONS
    page.goto(f"/applications/{pk}/review/")
    summary = page.locator("#decision").inner_text()
    assert "不通过" in summary and FAIL_REASONS in summary and MEETING in summary
    assert page.locator(".status-pill").first.inner_text().strip() == "未认定"

    log_in(page, "chukang")
    page.goto(f"/applications/{pk}/status/")
    assert page.locator(".status-pill").first.inner_text().strip() == "未认定"
    assert f"本批次申报已结束：未认定（意见：{FAIL_REASONS}）" in main_text(page)

    # --- 2. 棉纺织: returned by the city after 15 March with a 补正期限, resubmitted before it -------------
    pk = returned.pk
    log_in(page, "city")
    page.goto(f"/review/applications/{pk}/formal/")  # 形式审查: the city's 退回补正 is one of its conclusions
    form = page.locator("#formal-form")
    form.locator('input[name="decision"][value="city_return"]').check()
    form.locator("#formal-reason").fill("请按意见补正后重新提交。")
    form.locator("details summary").click()
    form.locator("#id-reason-basic").fill(RETURN_REASON)
    due = form.locator("#id-revision-due-formal")
    assert due.get_attribute("min") == "2026-03-18"  # no date in the past
    due.fill(REVISION_DUE.isoformat())
    click_and_wait(page, form.get_by_role("button", name="提交审查结论"))
    assert f"{RETURNED}：退回补正" in main_text(page), main_text(page)[:1500]
    returned.refresh_from_db()
    assert returned.status == State.RETURNED and returned.revision_due == REVISION_DUE
    assert returned.return_to == State.RECEIVED

    set_clock(settings, RESUBMIT_TIME)  # the call window closed on 15 March; the 补正期限 has not passed
    log_in(page, "mianfang")
    page.goto(f"/applications/{pk}/status/")
    assert "退回补正" in page.locator(".status-pill").first.inner_text()
    assert RETURN_REASON in main_text(page)
    assert "请于2026年3月27日前完成补正并重新提交" in main_text(page)
    page.goto(f"/applications/{pk}/basic/")
    assert RETURN_REASON in page.locator(".returned-reason").inner_text()
    page.locator('[name="competitiveness"]').fill(COMPETITIVENESS)
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    assert "已保存" in main_text(page)
    page.goto(f"/applications/{pk}/submit/")
    assert "不在申报时间内" not in main_text(page)
    click_and_wait(page, page.get_by_role("button", name="确认重新提交"))
    number = RECEIPT.search(page.content())
    assert number, f"no receipt after the resubmission: {main_text(page)[:1500]}"
    returned.refresh_from_db()
    assert returned.status == State.RECEIVED and returned.returned_sections == {}
    latest = Submission.objects.get(number=number.group())
    assert latest.application_id == pk and latest.submitted_at == dt.datetime.fromisoformat(RESUBMIT_TIME)
    assert latest.snapshot["sections"]["basic"]["competitiveness"] == COMPETITIVENESS

    # --- 3. 华楚: 评审结论 通过, 公示, 认定 --------------------------------------------------------------
    pk = recognised.pk
    log_in(page, "city")
    page.goto(f"/decisions/applications/{pk}/")
    assert "通过" in page.locator("table").inner_text()
    page.goto("/publicity/manage/new/")
    page.fill('[name="contact_phone"]', "0728-5221234")
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    assert "公示草稿已创建" in main_text(page), main_text(page)
    publicity = Publicity.objects.get(call=recognised.call)
    # Only the 通过 can be chosen: 楚康 (未认定) and 棉纺织 (受理) are not candidates.
    assert page.locator(f'input[name="application"][value="{rejected.pk}"]').count() == 0
    page.locator(f'input[name="application"][value="{pk}"]').check()
    click_and_wait(page, page.get_by_role("button", name="列入公示名单"))
    assert "已列入 1 份申报" in main_text(page)
    click_and_wait(page, page.get_by_role("button", name="发布公示"))
    assert "公示已发布" in main_text(page)
    publicity.refresh_from_db()
    set_clock(settings, f"{publicity.end_date + dt.timedelta(days=1)}T09:00:00+08:00")
    page.goto(f"/publicity/manage/{publicity.pk}/")
    click_and_wait(page, page.get_by_role("button", name="认定并公布认定名单"))
    assert "认定完成：1 家企业列入认定名单" in main_text(page)
    recognised.refresh_from_db()
    assert recognised.status == State.RECOGNISED

    log_in(page, "huachu")
    page.goto(f"/applications/{pk}/status/")
    assert page.locator(".status-pill").first.inner_text().strip() == "已认定"
    assert "本批次申报已结束：已认定" in main_text(page)

    # --- the 操作日志, as the 审计管理员 reads it: the quorum override names its reason -------------------
    log_in(page, "auditor", testing.PASSWORD)
    page.goto("/accounts/audit-log/")
    page.fill('[name="action"]', "expert_review.complete")
    click_and_wait(page, page.get_by_role("button", name="筛选"))
    row = page.locator("tbody tr", has_text=f"expert_review:{result.pk}").inner_text()
    assert "city" in row and f"少于法定人数完成：{QUORUM_REASON}" in row
