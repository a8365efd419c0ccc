"""评审结论, 集体决策 and the pass mark: who may, in which state, what is recorded and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tidu import testing as build
from tidu.applications.workflow import State
from tidu.core.operations import operation
from tidu.decisions import selectors, services
from tidu.decisions.errors import DecisionError
from tidu.decisions.models import CollectiveDecision, ReviewConclusion
from tidu.experts import testing
from tidu.testing import AuditSince as Audit
from tidu.testing import audit_facts as facts

PASS, FAIL = ReviewConclusion.Outcome.PASS, ReviewConclusion.Outcome.FAIL


@pytest.fixture
def reviewed(w):
    """Enterprise A's application after expert review: three experts, 72 points each."""
    return testing.to_expert_reviewed(w, "a")


def test_the_panel_total_comes_from_the_experts_scores(reviewed):
    assert selectors.panel_total(reviewed) == Decimal("72")


def test_a_conclusion_is_recorded_with_one_audit_row(reviewed, city):
    audit = Audit()
    conclusion = services.conclusion_record(application=reviewed, user=city, outcome=FAIL, reasons="  场景建设不足  ")
    row = audit.one("review_conclusion")
    assert facts(row) == (city, "conclusion.record", State.EXPERT_REVIEWED, FAIL)
    assert (row.reason, row.application_id, row.detail["stage"]) == ("场景建设不足", reviewed.pk, "expert_review")
    assert conclusion.stage == ReviewConclusion.Stage.EXPERT_REVIEW and conclusion.panel_total == Decimal("72")
    assert conclusion.suggested == "" and conclusion.pass_mark is None  # no pass mark set: nothing pre-filled
    reviewed.refresh_from_db()
    assert reviewed.status == State.EXPERT_REVIEWED  # a conclusion moves nothing by itself


def test_the_pass_mark_suggests_but_the_officer_decides(reviewed, city):
    services.decision_setting_set(call=reviewed.call, user=city, pass_mark="60", source="2026年第3次局长办公会")
    assert selectors.suggestion(selectors.panel_total(reviewed), selectors.pass_mark_for(reviewed.call)) == PASS
    audit = Audit()
    conclusion = services.conclusion_record(application=reviewed, user=city, outcome=FAIL,
                                            reasons="现场了解到企业主要设备尚未投产")
    assert conclusion.outcome == FAIL and conclusion.suggested == PASS and conclusion.overrides_pass_mark
    row = audit.one("review_conclusion")
    assert row.detail["against_pass_mark"] is True and row.detail["pass_mark"] == "60.00"


def test_the_same_conclusion_twice_is_recorded_once(reviewed, city):
    services.conclusion_record(application=reviewed, user=city, outcome=PASS, reasons="符合要求")
    audit = Audit()
    services.conclusion_record(application=reviewed, user=city, outcome=PASS, reasons="符合要求")
    assert audit.rows() == [] and reviewed.review_conclusions.count() == 1


@pytest.mark.parametrize("who", ["ent_a", "town_x", "expert"])
def test_only_the_city_records_a_conclusion(w, reviewed, who):
    user = w["experts"]["e1"] if who == "expert" else w["users"][who]
    op = operation("conclusion.record", reviewed)
    assert op.check(user).forbidden
    with pytest.raises(PermissionDenied):
        services.conclusion_record(application=reviewed, user=user, outcome=PASS, reasons="越权")
    assert not reviewed.review_conclusions.exists()


def test_no_conclusion_before_expert_review_is_complete(passed, city):
    with pytest.raises(DecisionError) as refused:
        services.conclusion_record(application=passed, user=city, outcome=PASS, reasons="提前")
    assert "专家评审完成或现场核查完成后" in refused.value.message
    assert not operation("conclusion.record", passed).check(city)


def test_a_conclusion_needs_an_outcome_and_reasons(reviewed, city):
    with pytest.raises(DecisionError, match="请填写评审结论的理由"):
        services.conclusion_record(application=reviewed, user=city, outcome=PASS, reasons="   ")
    with pytest.raises(DecisionError, match="通过或不通过"):
        services.conclusion_record(application=reviewed, user=city, outcome="maybe", reasons="理由")
    assert not reviewed.review_conclusions.exists()


def test_after_onsite_the_conclusion_is_of_the_onsite_stage(w, city):
    application = build.drive_to(testing.submit(w, "b"), State.ONSITE_VERIFIED)  # the builder records a 通过
    latest = selectors.latest_conclusion(application)
    assert (latest.stage, latest.outcome) == (ReviewConclusion.Stage.ONSITE, PASS)
    services.conclusion_record(application=application, user=city, outcome=FAIL, reasons="现场核查发现不符")
    assert selectors.conclusion_blocker(application) == "评审结论为“不通过”"


def test_a_collective_decision_is_attached_and_audited(reviewed, city):
    conclusion = services.conclusion_record(application=reviewed, user=city, outcome=FAIL, reasons="分数偏低")
    with pytest.raises(DecisionError, match="会议名称、会议日期和参会人员，或填写文号"):
        services.collective_decision_record(call=reviewed.call, user=city, conclusion_ids=[conclusion.pk],
                                            meeting_name="局长办公会")
    with pytest.raises(DecisionError, match="请至少选择"):
        services.collective_decision_record(call=reviewed.call, user=city, conclusion_ids=[],
                                            document_number="天经信〔2026〕12号")
    assert not CollectiveDecision.objects.exists()
    audit = Audit()
    decision = services.collective_decision_record(
        call=reviewed.call, user=city, conclusion_ids=[conclusion.pk], meeting_name="局长办公会",
        meeting_date=dt.date(2026, 4, 20), attendees="局长、分管副局长、中小企业科")
    row = audit.one("collective_decision")
    assert facts(row) == (city, "collective_decision.record", "", "recorded")
    assert row.detail["applications"] == [reviewed.pk]
    conclusion.refresh_from_db()
    assert conclusion.collective_decision == decision and decision.title == "局长办公会 2026-04-20"
    # Attached once: it is no longer offered, and attaching again is refused.
    assert selectors.attachable_conclusions(reviewed.call) == []
    with pytest.raises(DecisionError):
        services.collective_decision_record(call=reviewed.call, user=city, conclusion_ids=[conclusion.pk],
                                            document_number="天经信〔2026〕13号")


def test_only_the_city_records_a_collective_decision_or_a_pass_mark(w, reviewed):
    town = w["users"]["town_x"]
    assert operation("collective_decision.record", reviewed.call).check(town).forbidden
    with pytest.raises(PermissionDenied):
        services.decision_setting_set(call=reviewed.call, user=town, pass_mark="60")


def test_the_pass_mark_is_a_number_with_a_source(reviewed, city):
    with pytest.raises(DecisionError, match="合格分数线应为数字"):
        services.decision_setting_set(call=reviewed.call, user=city, pass_mark="六十")
    audit = Audit()
    setting = services.decision_setting_set(call=reviewed.call, user=city, pass_mark="60")
    assert setting.source == "市经信局设定"
    row = audit.one("decision_setting")
    assert facts(row) == (city, "decision_setting.set", "", "60")
    audit = Audit()
    services.decision_setting_set(call=reviewed.call, user=city, pass_mark="60")
    assert audit.rows() == []  # unchanged
    services.decision_setting_set(call=reviewed.call, user=city, pass_mark="")
    assert selectors.pass_mark_for(reviewed.call) is None
