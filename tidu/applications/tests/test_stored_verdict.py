"""The verdict judged at submission is stored with the receipt (summary fields), backfilled for old receipts, and
labelled in one place; a sent 推荐名单 changes what its applications' status reads."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from tidu import testing as build
from tidu.applications.models import Application, Submission
from tidu.applications.selectors import VerdictSummary, with_latest_submission, with_list_state
from tidu.applications.workflow import LIST_SENT, STATE_LABELS, State, display_state, state_label

backfill = importlib.import_module("tidu.applications.migrations.0009_backfill_submission_verdict_summary").backfill


@pytest.fixture
def unit(db):
    build.load_call()
    build.city_officer()
    town = build.unit("竟陵街道办事处")
    build.officer(town, "town_x")
    return town


def make(unit, name, state):
    enterprise = build.enterprise(unit, name)
    build.enterprise_user(enterprise, f"u{abs(hash(name)) % 10**8}")
    return build.drive_to(build.application(enterprise), state)


def test_submission_stores_its_verdict_summary(unit):
    application = make(unit, "天门市甲公司", State.SUBMITTED)
    submission = application.latest_submission()
    findings = submission.verdict["findings"]
    assert submission.outcome == submission.verdict["outcome"] and submission.outcome_label
    assert submission.failing_clauses == [f["clause"] for f in findings if f["result"] == "fail"]
    assert submission.review_clauses == [f["clause"] for f in findings if f["result"] == "review"]
    assert submission.judged_at == submission.submitted_at
    assert all(v in submission.policy_version for v in submission.verdict["policy_versions"].values())


def test_backfill_summarises_the_stored_verdict_and_judges_a_receipt_without_one(unit):
    first = make(unit, "天门市甲公司", State.SUBMITTED).latest_submission()
    second = make(unit, "天门市乙公司", State.SUBMITTED).latest_submission()
    want = {s.pk: (s.outcome, s.failing_clauses, s.review_clauses, s.missing_clauses, s.policy_version)
            for s in (first, second)}
    Submission.objects.update(outcome="", failing_clauses=[], review_clauses=[], missing_clauses=[], judged_at=None,
                              policy_version="")
    Submission.objects.filter(pk=second.pk).update(verdict={})  # an old receipt with no verdict stored
    backfill(django_apps, None)
    for submission in Submission.objects.all():
        assert (submission.outcome, submission.failing_clauses, submission.review_clauses,
                submission.missing_clauses, submission.policy_version) == want[submission.pk]
        assert submission.judged_at == submission.submitted_at
    assert Submission.objects.get(pk=second.pk).verdict["outcome"] == want[second.pk][0]


def test_one_label_for_every_state_and_for_a_sent_list(unit):
    for state, label in STATE_LABELS.items():
        assert state_label(state) == label
        assert state_label(state, list_sent=True) == (label if state != State.TOWNSHIP_RECOMMENDED
                                                      else "已报送推荐名单，待市经信局受理")
    assert display_state(State.TOWNSHIP_RECOMMENDED, list_sent=True) == LIST_SENT
    waiting = make(unit, "天门市甲公司", State.TOWNSHIP_RECOMMENDED)
    assert waiting.status_label == "乡镇已推荐，待报送推荐名单"
    build.put_on_sent_list(waiting)
    waiting = Application.objects.get(pk=waiting.pk)
    # Read alone, or annotated by a list query: the same label.
    assert waiting.status_label == "已报送推荐名单，待市经信局受理"
    for query in (with_list_state(Application.objects.all()), with_latest_submission(Application.objects.all())):
        assert query.get(pk=waiting.pk).status_label == waiting.status_label
    received = build.drive_to(waiting, State.RECEIVED)
    assert received.status_label == "市经信局已受理，待形式审查"


def test_a_list_query_reads_the_stored_clause_ids(unit):
    application = make(unit, "天门市甲公司", State.SUBMITTED)
    Submission.objects.update(outcome="ineligible", failing_clauses=["申报条件3", "申报时间"],
                              review_clauses=["申报条件9"])
    summary = VerdictSummary.annotated(with_latest_submission(Application.objects.all()).get(pk=application.pk))
    assert summary.counts == {"fail": 2, "review": 1, "missing": 0} and summary.outcome_label == "不符合申报条件"
