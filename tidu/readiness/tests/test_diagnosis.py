"""Readiness across the four tiers on constructed enterprises: the same engine, every element condition with
its clause, source and grade, and the gap list to the next tier naming the right 环节 and scenarios."""

import copy
import json
from pathlib import Path

import pytest

from tidu.policy.call_policy import load_call_policy
from tidu.readiness import presentation
from tidu.readiness.diagnosis import MET, NOT_MET, REVIEW, diagnose, snapshot_diff

EXAMPLE = Path(__file__).resolve().parents[2] / "eligibility" / "examples" / "passing-basic.json"


@pytest.fixture(scope="module")
def policy():
    return load_call_policy("call-tianmen-2026-basic")


def enterprise(scenarios, *, level=2, scope="车间级", score=None):
    """The passing 基础级 example with its scenarios (id → uses_ai), maturity level and scope replaced."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.pop("submitted_at", None)
    document["scenarios"] = [{"id": sid, "description": f"{sid} 的建设内容", "uses_ai": ai}
                             for sid, ai in scenarios.items()]
    document["maturity"] = {**document["maturity"], "level": level,
                            "score": score if score is not None else {2: 2.15, 3: 3.2, 4: 4.1}[level]}
    document["scope"] = scope
    return document


ALL_FIVE = {"SC01": False, "SC04": False, "SC20": False, "SC09": False, "SC37": False}


def statuses(result):
    return {t.name: t.status for t in result.tiers}


def test_below_basic_names_the_production_operation_links_and_scenarios(policy):
    result = diagnose(policy, enterprise({"SC09": False}))
    assert statuses(result)["基础级"] == NOT_MET
    assert result.current is None and result.next.name == "基础级"
    [domain] = result.gaps["domains"]
    assert domain["name"] == "生产作业"
    links = {link["name"]: [s["id"] for s in link["scenarios"]] for link in domain["links"]}
    assert links == {"生产作业": ["SC20", "SC21", "SC22", "SC23"], "质量管控": ["SC24", "SC25", "SC26"],
                     "设备管理": ["SC27", "SC28", "SC29"]}
    assert domain["clause"] == "建设内容-基础级" and domain["grade"] == "A"
    assert "SEED" in [s["id"] for s in domain["sources"]]


def test_basic_met_one_domain_short_of_advanced(policy):
    result = diagnose(policy, enterprise({"SC27": False, "SC24": True, "SC09": False}))
    assert statuses(result) == {"基础级": MET, "先进级": NOT_MET, "卓越级": NOT_MET, "领航级": NOT_MET}
    assert result.current.name == "基础级" and result.next.name == "先进级"
    assert result.domains_short == 1
    [domain] = result.gaps["domains"]
    assert domain["name"] == "运营管理"
    links = {link["name"]: [s["name"] for s in link["scenarios"]] for link in domain["links"]}
    assert "供应商数字化管理" in links["供应链管理"] and "规模化定制" in links["营销与售后"]
    # 先进级 keeps 成熟度二级 and 车间级: nothing else to close but the domain and the outcomes to document.
    assert result.gaps["maturity"] is None and result.gaps["scope"] is None and result.gaps["ai_ratio"] is None
    outcome_texts = [o["text"] for o in result.gaps["outcomes"]]
    assert any("同行业领先水平" in text for text in outcome_texts)
    # Every element condition cites its clause, its sources and a grade.
    for tier in result.tiers:
        for element in tier.elements:
            assert element.clause and element.sources and element.grade in "ABCD"


def test_advanced_reached_pending_review_then_gaps_to_excellent(policy):
    result = diagnose(policy, enterprise({"SC27": False, "SC24": True, "SC09": False, "SC37": False},
                                         scope="工厂级"))
    assert statuses(result)["先进级"] == REVIEW  # 建设成效 is for the experts: reached, never "met" by the engine
    assert result.current.name == "先进级" and result.next.name == "卓越级"
    assert [d["name"] for d in result.gaps["domains"]] == ["工厂建设", "研发设计"]
    assert result.gaps["maturity"]["required"] == 3 and result.gaps["maturity"]["current"] == 2
    # 25 % AI scenarios: above the 卓越级 20 %, so no AI gap.
    assert result.gaps["ai_ratio"] is None


def test_excellent_below_the_ai_ratio(policy):
    scenarios = {**ALL_FIVE, "SC21": True, "SC24": False, "SC27": False, "SC08": False, "SC38": False, "SC02": False}
    result = diagnose(policy, enterprise(scenarios, level=3, scope="工厂级"))  # 1 of 11 scenarios: 9.09 %
    assert statuses(result)["卓越级"] == NOT_MET
    assert result.current.name == "先进级" and result.next.name == "卓越级"
    assert result.gaps["domains"] == [] and result.gaps["maturity"] is None
    gap = result.gaps["ai_ratio"]
    assert gap["required"] == 20 and gap["current"] == 9.09
    assert gap["more_ai_scenarios"] == 2  # ceil(11 × 20 %) = 3 AI scenarios, 1 today
    assert gap["grade"] == "B" and {"S25", "S29"} <= {s["id"] for s in gap["sources"]}
    coverage = next(e for e in result.tiers[2].elements if e.clause == "建设内容-卓越级")
    assert coverage.result == "fail" and "20%" in coverage.message


def test_excellent_reached_then_leading_needs_maturity_four_and_sixty_percent(policy):
    scenarios = {**ALL_FIVE, "SC20": True, "SC09": True}  # 2 of 5: 40 %
    result = diagnose(policy, enterprise(scenarios, level=3, scope="工厂级"))
    assert statuses(result)["卓越级"] == REVIEW and result.current.name == "卓越级"
    assert result.next.name == "领航级"
    assert result.gaps["maturity"]["required"] == 4
    assert result.gaps["ai_ratio"]["required"] == 60 and result.gaps["ai_ratio"]["more_ai_scenarios"] == 1


def test_leading_reached_leaves_no_gap(policy):
    scenarios = {"SC01": True, "SC04": True, "SC20": True, "SC09": False, "SC37": False}  # 60 %
    result = diagnose(policy, enterprise(scenarios, level=4, scope="工厂级"))
    assert statuses(result) == {"基础级": MET, "先进级": REVIEW, "卓越级": REVIEW, "领航级": REVIEW}
    assert result.current.name == "领航级" and result.next is None and result.gaps is None
    assert result.domains_short is None


def test_radar_coverage_counts_links_per_domain(policy):
    result = diagnose(policy, enterprise({"SC27": False, "SC24": True, "SC09": False}))
    domains = {d["name"]: (d["links_covered"], d["links_total"]) for d in result.coverage["domains"]}
    assert domains["生产作业"] == (2, 3) and domains["生产管理"][0] == 1 and domains["运营管理"][0] == 0
    assert len(domains) == 5


def test_snapshot_diff_names_what_changed(policy):
    before = diagnose(policy, enterprise({"SC27": False, "SC24": True, "SC09": False})).as_dict()
    after = diagnose(policy, enterprise({"SC27": False, "SC24": True, "SC09": False, "SC37": False},
                                        scope="工厂级")).as_dict()
    diff = snapshot_diff(before, after)
    assert {c["what"]: (c["before"], c["after"]) for c in diff}["先进级"] == ("not_met", "review")  # keys, worded later
    changes = {c["what"]: (c["before"], c["after"]) for c in presentation.changes(diff)}
    assert changes["先进级"] == ("尚未达到", "条件具备，待评审确认")
    assert changes["运营管理"] == ("0/2", "1/2")
    assert changes["新增场景"] == ("", "SC37")
    assert snapshot_diff(before, copy.deepcopy(before)) == []
