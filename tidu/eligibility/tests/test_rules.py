"""The rule library: each kind a pure function of (application, parameters), tested on its own; the call pack's
declarations name these kinds, and the schema refuses any other."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from tidu.eligibility import rules
from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Result
from tidu.policy.call_policy import load_call_policy
from tidu.policy.loader import PackError, parse_pack

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def ctx(policy, passing_application):
    return rules.Context(policy=policy, app=passing_application, tier=policy.call_tier,
                         submitted_at=dt.datetime(2026, 3, 1, 10, tzinfo=SHANGHAI))


def results(checks):
    return [c.result for c in checks]


def test_region_match(ctx):
    assert results(rules.region_match(ctx, {})) == [PASS]
    ctx.app["enterprise"]["registered_region"] = "湖北省仙桃市"
    assert results(rules.region_match(ctx, {})) == [FAIL]
    assert results(rules.region_match(ctx, {"aliases": ["湖北省仙桃"]})) == [PASS]
    del ctx.app["enterprise"]["registered_region"]
    assert results(rules.region_match(ctx, {})) == [MISSING]


def test_legal_person_with_industry_exceptions(ctx):
    assert results(rules.legal_person(ctx, {})) == [PASS]
    ctx.app["enterprise"].update(legal_status="branch", industry_code="C2511")
    assert results(rules.legal_person(ctx, {"branch_exceptions": True})) == [PASS]
    ctx.app["enterprise"]["industry_code"] = "C2681"  # 肥皂: inside C26, only broadly related to 石油石化
    assert results(rules.legal_person(ctx, {})) == [REVIEW]
    assert results(rules.legal_person(ctx, {"branch_exceptions": False})) == [FAIL]


def test_threshold_on_a_declared_figure(ctx):
    ctx.app["enterprise"]["main_business_revenue_10k_yuan"] = 2500
    params = {"figure": "main_business_revenue_10k_yuan", "declared": "above_designated_size"}
    assert results(rules.threshold(ctx, {**params, "min": 2000})) == [PASS]
    below = rules.threshold(ctx, {**params, "min": 3000})
    assert results(below) == [REVIEW] and "低于规上标准 3000 万元" in below[0].message
    ctx.app["enterprise"]["above_designated_size"] = False
    assert results(rules.threshold(ctx, params)) == [FAIL]
    # A plain threshold: below the line fails.
    ctx.app["organisation"]["talent_count"] = 3
    assert results(rules.threshold(ctx, {"figure": "talent_count", "min": 1})) == [PASS]
    short = rules.threshold(ctx, {"figure": "talent_count", "min": 5})
    assert results(short) == [FAIL] and "少于 5 人" in short[0].message
    del ctx.app["organisation"]["talent_count"]
    assert results(rules.threshold(ctx, {"figure": "talent_count", "min": 1})) == [MISSING]


def test_dated_events_within_the_look_back(ctx):
    params = {"lists": ["bad_credit_records", "violations"], "severities": ["较大", "重大", "特别重大"], "fatal": True}
    assert set(results(rules.dated_events(ctx, params))) == {PASS}
    ctx.app["record"]["accidents"] = [{"date": "2024-05-01", "category": "安全", "severity": "一般", "fatalities": 1}]
    checks = rules.dated_events(ctx, params)
    assert FAIL in results(checks) and any("亡人事故" in c.message for c in checks)
    assert FAIL not in results(rules.dated_events(ctx, {**params, "fatal": False}))
    ctx.app["record"]["accidents"][0]["date"] = "2022-05-01"  # before the look-back start (2023-01-22)
    assert FAIL not in results(rules.dated_events(ctx, params))


def test_declaration_true(ctx):
    params = {"field": "cooperation.case_exchange", "what": "典型案例交流", "yes": "愿意配合{what}", "no": "不愿配合{what}"}
    assert [c.message for c in rules.declaration_true(ctx, params)] == ["愿意配合典型案例交流"]
    ctx.app["cooperation"]["case_exchange"] = False
    assert [(c.result, c.message) for c in rules.declaration_true(ctx, params)] == [(FAIL, "不愿配合典型案例交流")]
    del ctx.app["cooperation"]["case_exchange"]
    assert results(rules.declaration_true(ctx, params)) == [MISSING]


def test_maturity_level_with_a_report_on_a_named_platform(ctx):
    params = {"min_level": 2, "platform": "智能制造评估评价公共服务平台", "platform_aliases": ["智能制造评估评价公共服务平台", "c3mep"], "report": True}
    assert set(results(rules.maturity_level(ctx, params))) == {PASS}
    assert results(rules.maturity_level(ctx, {"min_level": 5}))[0] == FAIL
    ctx.app["maturity"]["platform"] = "某咨询公司"
    assert FAIL in results(rules.maturity_level(ctx, params))
    assert FAIL not in results(rules.maturity_level(ctx, {"min_level": 2}))  # no platform named: not checked


def test_coverage_through_links_to_domains(ctx, policy):
    assert set(results(rules.coverage(ctx, {}))) == {PASS}
    checks = rules.coverage(ctx, {"domains": ["production_operation", "production_management", "operations_management"]})
    assert FAIL in results(checks) and any("未覆盖" in c.message for c in checks)


def test_submission_inside_the_window(ctx):
    assert results(rules.submission_window(ctx, {})) == [PASS]
    ctx.submitted_at = dt.datetime(2026, 3, 16, 0, 0, 1, tzinfo=SHANGHAI)
    assert results(rules.submission_window(ctx, {})) == [FAIL]
    ctx.submitted_at = None
    assert results(rules.submission_window(ctx, {})) == [MISSING]


def test_ratio_at_least(ctx):
    ctx.app["scenarios"] = [{"id": "SC24", "description": "x", "uses_ai": True},
                            {"id": "SC25", "description": "x", "uses_ai": False}]
    assert results(rules.ratio_at_least(ctx, {"min": 50})) == [PASS]
    assert results(rules.ratio_at_least(ctx, {"min": 60})) == [FAIL]


def test_outcome_judged_by_reviewers(ctx):
    assert results(rules.outcome_judged(ctx, {"text": "主要技术经济指标应处于同行业领先水平"})) == [REVIEW]
    ctx.app["kpis"] = {}
    assert results(rules.outcome_judged(ctx, {"text": "主要技术经济指标应处于同行业领先水平"})) == [MISSING]


def test_prerequisite_tier(ctx):
    assert results(rules.prerequisite_tier(ctx, {"tier": "basic"})) == [REVIEW]
    ctx.app["record"]["prior_tier"] = "basic"
    assert results(rules.prerequisite_tier(ctx, {"tier": "basic"})) == [PASS]
    assert results(rules.prerequisite_tier(ctx, {"tier": "advanced"})) == [FAIL]


def test_requirements_met_carries_other_findings(ctx, policy, passing_application):
    verdict = evaluate(policy, passing_application)
    ctx.findings = {"basic_requirements": [f for f in verdict.findings if f.clause.startswith("基础要求")]}
    checks = rules.requirements_met(ctx, {"of": "basic_requirements", "what": "《要素条件》基础要求"})
    assert results(checks) == [PASS] and "基础要求1、基础要求2" in checks[0].message


def test_every_kind_in_the_schema_has_a_function():
    schema = json.loads((rules_schema_path()).read_text(encoding="utf-8"))
    assert set(schema["$defs"]["rule"]["properties"]["kind"]["enum"]) == set(rules.RULES)


def rules_schema_path():
    from tidu.policy.loader import SCHEMA_DIR
    return SCHEMA_DIR / "call.schema.json"


def test_an_unknown_kind_is_refused_by_the_schema(policy):
    document = copy.deepcopy(policy.call.as_document())
    document["content"]["conditions"][2]["rule"] = {"kind": "gut_feeling", "params": {}}
    with pytest.raises(PackError) as error:
        parse_pack(document)
    assert "content.conditions[2].rule.kind" in str(error.value)


def test_a_declared_threshold_is_what_the_engine_applies(policy, passing_application):
    document = copy.deepcopy(policy.call.as_document())
    document["content"]["conditions"][2]["rule"]["params"]["min"] = 30000
    raised = parse_pack(document)
    from dataclasses import replace
    stricter = replace(policy, call=raised)
    finding = evaluate(stricter, passing_application).finding("申报条件3")
    assert finding.result == REVIEW and "30000 万元" in finding.message
    assert evaluate(policy, passing_application).finding("申报条件3").result == PASS


@pytest.mark.parametrize("example", sorted(p.name for p in
                                           (rules_schema_path().parents[2] / "eligibility" / "examples").glob("*.json")))
def test_the_declared_pack_judges_as_the_frozen_seed_meanings(example, policy):
    """2026.4 declares its clauses; 2026.3 reads the frozen seed file: every example is judged the same."""
    assert policy.declares_clauses
    older = load_call_policy("call-tianmen-2026-basic", "2026.3")
    assert not older.declares_clauses
    path = rules_schema_path().parents[2] / "eligibility" / "examples" / example
    document = json.loads(path.read_text(encoding="utf-8"))
    now, then = evaluate(policy, document).as_dict(), evaluate(older, document).as_dict()
    for verdict in (now, then):
        verdict.pop("policy_versions")
        for finding in verdict["findings"]:
            finding.pop("source")
    assert now == then
