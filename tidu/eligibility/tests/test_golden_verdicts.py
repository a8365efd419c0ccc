"""Every verdict of the golden cases is what the engine gave before its optimisation (see golden_cases.py): the
whole ``Verdict.as_dict()`` (findings, messages, checks, KPIs, coverage) by its digest, for 4,380 cases: the
example documents and perturbations of ``passing-basic.json`` under six calls and every tier."""

from __future__ import annotations

import copy
import json

from tidu.eligibility.tests.golden_cases import GOLDEN, cases, judge


def test_every_golden_case_gives_the_same_verdict():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed, unchanged_documents = [], True
    for case_id, policy_key, tier, document in cases():
        _, doc_name, tier_key = case_id.split("|")
        before = copy.deepcopy(document)
        record = judge(policy_key, tier, document)
        unchanged_documents &= document == before  # the engine never changes the document it judges
        if golden[policy_key][doc_name].pop(tier_key) != record:
            changed.append(f"{case_id}: {record}")
    assert not changed, f"{len(changed)} verdicts changed, e.g. {changed[:5]}"
    assert unchanged_documents
    assert not any(tiers for documents in golden.values() for tiers in documents.values()), "cases missing"


def test_the_golden_cases_are_varied():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    records = [record for documents in golden.values() for tiers in documents.values() for record in tiers.values()]
    assert {record.split()[0] for record in records} == {"eligible", "ineligible", "needs_review", "incomplete", "error"}
    assert len(set(records)) > 1000


def test_a_condition_mirroring_a_requirement_runs_its_rules_once(monkeypatch):
    from tidu.eligibility import rules
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.tests.golden_cases import EXAMPLES
    from tidu.policy.call_policy import load_call_policy

    calls = []
    original = rules.RULES["list_consistent"]
    monkeypatch.setitem(rules.RULES, "list_consistent", lambda ctx, params: calls.append(1) or original(ctx, params))
    policy = load_call_policy("call-tianmen-2026-basic")  # a new policy object: its plan is built with the counter
    document = json.loads((EXAMPLES / "passing-basic.json").read_text(encoding="utf-8"))
    document["equipment"][0]["secure_controllable"] = False
    verdict = evaluate(policy, document, trusted=True)
    assert len(calls) == 1  # declared by 基础要求3 and 申报条件5 with the same parameters
    assert verdict.finding("申报条件5").checks == verdict.finding("基础要求3").checks
    assert verdict.finding("申报条件5").result == "review"
    evaluate(policy, document, trusted=True)
    assert len(calls) == 2  # once per evaluation, never carried over to the next


def test_findings_stay_frozen_with_their_defaults():
    import dataclasses

    import pytest

    from tidu.eligibility.findings import Check, Finding, Result, Verdict

    finding = Finding(clause="c", result=Result.PASS, message="m", clause_text="t", source="s")
    assert finding.checks == () and Check(Result.FAIL, "x") == Check(result=Result.FAIL, message="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.message = "other"
    one, two = (Verdict(True, True, "eligible", "basic", "基础级", "c", {}, ()) for _ in range(2))
    assert one.kpis == {} and one.kpis is not two.kpis  # default factories still give each its own
    assert dataclasses.replace(finding, message="n").message == "n"


def test_checks_kept_by_the_plan_are_shared_and_never_carried_to_another_value():
    from tidu.eligibility import rules
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.tests.golden_cases import EXAMPLES
    from tidu.policy.call_policy import load_call_policy

    assert set(rules.KEYS) <= {*rules.RULES, "not_judged"}
    policy = load_call_policy("call-tianmen-2026-basic")
    document = json.loads((EXAMPLES / "passing-basic.json").read_text(encoding="utf-8"))
    other = copy.deepcopy(document)
    other["cooperation"]["case_exchange"] = False
    other["scope"] = "工厂级"
    other["record"]["violations"] = [{"date": "2025-06-01", "description": "环保处罚"}]
    first, second, third = (evaluate(policy, copy.deepcopy(doc), trusted=True) for doc in (document, other, document))
    assert first.finding("申报条件8") is third.finding("申报条件8")  # kept: declarations only
    assert first.finding("申报条件7") is not third.finding("申报条件7")  # the report number is the application's
    assert second.finding("申报条件8").result == "fail" and second.finding("申报条件9").result == "review"
    assert second.finding("申报条件4").result == "fail"
    assert first.as_dict() == third.as_dict()
    fresh = load_call_policy("call-tianmen-2026-basic")  # nothing kept yet
    assert evaluate(fresh, copy.deepcopy(other), trusted=True).as_dict() == second.as_dict()
    assert evaluate(fresh, copy.deepcopy(document), trusted=True).as_dict() == first.as_dict()


def test_a_threshold_writing_the_calls_line_out_runs_once_with_the_one_leaving_it_to_the_call(monkeypatch):
    from tidu.eligibility import rules
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.tests.golden_cases import EXAMPLES
    from tidu.policy.call_policy import load_call_policy

    calls = []
    original = rules.RULES["threshold"]
    monkeypatch.setitem(rules.RULES, "threshold", lambda ctx, params: calls.append(dict(params)) or original(ctx, params))
    policy = load_call_policy("call-tianmen-2026-basic")
    assert policy.revenue_min_10k_yuan == 2000  # 基础要求1 leaves the 规上 line to the call, 申报条件3 writes 2000
    document = json.loads((EXAMPLES / "passing-basic.json").read_text(encoding="utf-8"))
    document["enterprise"]["main_business_revenue_10k_yuan"] = 1999.5
    verdict = evaluate(policy, document, trusted=True)
    assert [c for c in calls if c.get("declared")] == [{"figure": "main_business_revenue_10k_yuan",
                                                        "declared": "above_designated_size"}]
    assert verdict.finding("申报条件3").result == verdict.finding("基础要求1").result == "review"
    assert verdict.finding("申报条件3").message == verdict.finding("基础要求1").message
    assert rules.params_in_effect("threshold", {"declared": "x", "min": 2000}, policy) == \
        rules.params_in_effect("threshold", {"declared": "x"}, policy)
    assert rules.params_in_effect("threshold", {"declared": "x", "min": 2001}, policy) != \
        rules.params_in_effect("threshold", {"declared": "x"}, policy)
    assert rules.params_in_effect("threshold", {"figure": "talent_count"}, policy) == {"figure": "talent_count"}


def test_a_condition_made_of_a_requirements_rules_takes_its_finding_in_each_evaluation_only():
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.tests.golden_cases import EXAMPLES
    from tidu.policy.call_policy import load_call_policy

    policy = load_call_policy("call-tianmen-2026-basic")
    document = json.loads((EXAMPLES / "passing-basic.json").read_text(encoding="utf-8"))
    fewer = copy.deepcopy(document)
    fewer["organisation"]["talent_count"] = 0
    first, second = (evaluate(policy, copy.deepcopy(doc), trusted=True) for doc in (document, fewer))
    for verdict, result in ((first, "pass"), (second, "fail")):
        condition, requirement = verdict.finding("申报条件6"), verdict.finding("基础要求4")
        assert condition.result == requirement.result == result
        assert condition.checks is requirement.checks and condition.message == requirement.message
        assert (condition.clause, condition.source) != (requirement.clause, requirement.source)
        stored = {f["clause"]: f for f in verdict.as_dict()["findings"]}
        assert stored["申报条件6"]["checks"] == stored["基础要求4"]["checks"]
        assert stored["申报条件6"]["clause_text"] != stored["基础要求4"]["clause_text"]
    assert first.finding("申报条件6").checks != second.finding("申报条件6").checks
