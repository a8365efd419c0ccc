"""The eligibility engine, clause by clause, as an applicant sees it.

Each test starts from the passing example (``passing_application``), changes one thing, and checks
the clause that should react (result and Chinese message) and that every other clause stays as it was.
Every verdict is also checked to list all 16 clauses in order, each with the seed notice's own text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Outcome, Result
from tidu.eligibility.interchange import InterchangeError

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING

CONDITIONS = tuple(f"申报条件{n}" for n in range(1, 10))
REQUIREMENTS = tuple(f"基础要求{n}" for n in range(1, 6))
BASIC_CLAUSES = (*CONDITIONS, "申报时间", *REQUIREMENTS, "建设内容-基础级")
ADVANCED_CLAUSES = (*CONDITIONS, "申报时间", *REQUIREMENTS, "建设内容-先进级", "建设成效-先进级")

# The clause texts, copied verbatim from the seed notice (shared/seed/notice-2026-basic-smart-factory.txt)
# without their leading numbers; the verdict must quote exactly these.
SEED_TEXT = {
    "申报条件1": "申报主体为在天门市内注册,具有独立法人资格(石油石化,有色金属等有行业特殊情况的,允许法人的分支机构申报),"
                "并满足《智能工厂梯度培育要素条件》基础要求。",
    "申报条件2": "申报主体已完成智能工厂建设,智能制造水平达到基础级智能工厂要素条件要求。",
    "申报条件3": "申报主体应为规模以上工业企业,企业和产品均具有较强市场竞争力。",
    "申报条件4": "申报主体近三年经营和财务状况良好,无不良信用记录,无亡人或较大及以上安全,环保等事故,无违法违规行为。",
    "申报条件5": "申报主体使用的关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控,网络安全和数据安全风险可控。",
    "申报条件6": "申报主体应建立智能工厂统筹规划、建设和运营的组织机制,拥有一批智能制造专业人才。",
    "申报条件7": "申报主体登录“智能制造评估评价公共服务平台”开展自评估工作,且智能制造能力成熟度评估水平达到"
                "GB/T39116-2020《智能制造能力成熟度模型》二级及以上。",
    "申报条件8": "申报主体愿意配合开展现场核查、技术推广和典型案例交流等工作。",
    "申报条件9": "基础级智能工厂可以是产线级,车间级。",
    "申报时间": "2026年1月22日-3月15日",
    "基础要求1": "企业应为规模以上工业企业,企业和产品均具有较强市场竞争力。",
    "基础要求2": "企业近三年经营和财务状况良好,无不良信用记录、无较大及以上安全、环保等事故,无违法违规行为。",
    "基础要求3": "工厂使用的关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控,网络安全和数据安全风险可控。",
    "基础要求4": "企业应建立智能工厂统筹规划、建设和运营的组织机制,拥有一批智能制造专业人才。",
    "基础要求5": "基础级和先进级工厂智能制造能力成熟度评估水平达到GB/T39116-2020《智能制造能力成熟度模型》二级及以上。",
    "建设内容-基础级": "鼓励企业参考《智能制造典型场景参考指引(2025年版)》,围绕工厂建设、研发设计、生产作业、生产管理、"
                  "运营管理等开展智能工厂建设,且至少覆盖生产作业环节。",
    "建设内容-先进级": "鼓励企业参考《智能制造典型场景参考指引(2025年版)》,围绕工厂建设、研发设计、生产作业、生产管理、"
                  "运营管理等开展智能工厂建设,且至少覆盖生产作业、生产管理、运营管理三个环节。",
    # The seed's (二)建设成效 of 先进级, items 1 and 2 joined (the seed breaks item 1 after “(附1)、”).
    "建设成效-先进级": "参考《智能工厂建设关键绩效指标参考》(附1)、T/CAMS182-2025《智能制造效能通用评测方法》,评估智能工厂"
                  "建设成效,主要技术经济指标应处于省(区、市)同行业领先水平。在省(区、市)同行业起到引领带动作用。",
}
SEED_NOTICE = Path(__file__).resolve().parents[2] / "policy" / "sources" / "notice-2026-basic-smart-factory.txt"


def judge(policy, document, tier=None):
    """Evaluate and check the shape every verdict must have: 16 clauses in order, each quoting the seed."""
    verdict = evaluate(policy, document, tier=tier)
    expected = ADVANCED_CLAUSES if verdict.tier == "advanced" else BASIC_CLAUSES
    assert tuple(f.clause for f in verdict.findings) == expected
    for finding in verdict.findings:
        assert finding.clause_text == SEED_TEXT[finding.clause], finding.clause
        assert finding.message.strip("。"), finding.clause
    return verdict


def results(verdict) -> dict[str, Result]:
    return {f.clause: f.result for f in verdict.findings}


def assert_only(verdict, expected: dict[str, Result]) -> None:
    """The clauses in ``expected`` have those results; every other clause passes."""
    actual = results(verdict)
    wanted = {clause: expected.get(clause, PASS) for clause in actual}
    assert actual == wanted


def message(verdict, clause: str) -> str:
    return verdict.finding(clause).message


# --- the passing example and the clause texts -------------------------------------------------------

def test_passing_example_passes_every_clause(policy, passing_application):
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert verdict.eligible and verdict.tier_met
    assert verdict.outcome == Outcome.ELIGIBLE
    assert verdict.outcome.label == "符合申报条件"
    assert (verdict.tier, verdict.tier_name, verdict.call) == ("basic", "基础级", "tianmen-2026-basic")
    assert "在湖北省天门市内注册" in message(verdict, "申报条件1")
    assert "达到 2000 万元标准" in message(verdict, "申报条件3")


def test_findings_cite_their_source_pack(policy, passing_application):
    verdict = judge(policy, passing_application)
    for clause in (*CONDITIONS, "申报时间"):
        assert verdict.finding(clause).source == policy.call.ref
    for clause in (*REQUIREMENTS, "建设内容-基础级"):
        assert verdict.finding(clause).source == policy.tiers.ref
    assert verdict.policy_versions["call"] == policy.call.ref


def test_clause_texts_are_verbatim_from_the_seed_notice():
    # Line breaks in the seed fall inside some sentences; a clause made of numbered items is checked item by item.
    seed = SEED_NOTICE.read_text(encoding="utf-8").replace("\n", "")
    for clause, text in SEED_TEXT.items():
        assert text in seed or all(part + "。" in seed for part in text.split("。") if part), clause


# --- 申报条件1: region, legal person, branch industries ----------------------------------------------

def test_registered_outside_tianmen_fails_condition_1(policy, passing_application):
    passing_application["enterprise"]["registered_region"] = "湖北省武汉市"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL})
    assert "“湖北省武汉市”" in message(verdict, "申报条件1")
    assert "不在湖北省天门市内" in message(verdict, "申报条件1")
    assert not verdict.eligible and verdict.tier_met


def test_place_named_tianmen_outside_the_city_fails_condition_1(policy, passing_application):
    passing_application["enterprise"]["registered_region"] = "湖南省张家界市永定区天门山镇"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL})


def test_missing_region_is_missing_not_fail(policy, passing_application):
    del passing_application["enterprise"]["registered_region"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": MISSING})
    assert "尚未填写登记注册地" in message(verdict, "申报条件1")


@pytest.mark.parametrize("code, group, prefix", [
    ("C2511", "石油石化", "C251"),
    ("B0911", "有色金属", "B09"),
    ("C32", "有色金属", "C32"),
    ("B07", "石油石化", "B07"),
])
def test_branch_in_a_listed_industry_passes(policy, passing_application, code, group, prefix):
    passing_application["enterprise"].update(legal_status="branch", industry_code=code)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    text = message(verdict, "申报条件1")
    assert "分支机构" in text and group in text and prefix in text and code in text


def test_branch_in_another_industry_needs_review_not_fail(policy, passing_application):
    passing_application["enterprise"].update(legal_status="branch", industry_code="C3484")
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW})
    text = message(verdict, "申报条件1")
    assert "C3484" in text and "石油石化、有色金属" in text and "人工复核" in text
    assert verdict.outcome == Outcome.NEEDS_REVIEW
    assert not verdict.eligible and verdict.tier_met


@pytest.mark.parametrize("code, broad", [("C2681", "C26"), ("C2614", "C26"), ("C2520", "C25")])
def test_branch_in_a_broadly_related_class_needs_review(policy, passing_application, code, broad):
    """A soap maker's branch (C2681) used to pass because the whole class C26 was mapped to 石油石化."""
    passing_application["enterprise"].update(legal_status="branch", industry_code=code)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW})
    text = message(verdict, "申报条件1")
    assert f"所属行业 {code} 属于 {broad}" in text and "只有部分行业属于石油石化" in text and "人工复核" in text


def test_a_published_pack_version_keeps_judging_as_published(passing_application):
    """2026.1 mapped all of C26 to 石油石化; an application pinned to it is still judged that way."""
    from tidu.policy.call_policy import load_call_policy

    old = load_call_policy("call-tianmen-2026-basic", "2026.1")
    passing_application["enterprise"].update(legal_status="branch", industry_code="C2681")
    assert evaluate(old, passing_application).finding("申报条件1").result == PASS


def test_branch_without_industry_code_is_missing(policy, passing_application):
    passing_application["enterprise"]["legal_status"] = "branch"
    del passing_application["enterprise"]["industry_code"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": MISSING})
    assert "尚未填写所属行业代码" in message(verdict, "申报条件1")


def test_legal_person_does_not_need_an_industry_code(policy, passing_application):
    del passing_application["enterprise"]["industry_code"]
    assert_only(judge(policy, passing_application), {})


def test_condition_1_takes_the_result_of_a_failed_basic_requirement(policy, passing_application):
    passing_application["maturity"].update(level=1, score=1.5)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件7": FAIL, "基础要求5": FAIL})
    text = message(verdict, "申报条件1")
    assert "基础要求5" in text and "不符合" in text
    assert "基础要求1" not in text  # only the clauses that did not pass are named


# --- 申报条件3 / 基础要求1: 规上 and competitiveness ---------------------------------------------------

def test_revenue_just_below_threshold_needs_review(policy, passing_application):
    passing_application["enterprise"]["main_business_revenue_10k_yuan"] = 1999.99
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW, "申报条件3": REVIEW, "基础要求1": REVIEW})
    text = message(verdict, "申报条件3")
    assert "1999.99 万元" in text and "低于规上标准 2000 万元" in text
    assert message(verdict, "基础要求1") == text
    assert verdict.outcome == Outcome.NEEDS_REVIEW


def test_revenue_exactly_at_threshold_passes(policy, passing_application):
    passing_application["enterprise"]["main_business_revenue_10k_yuan"] = 2000
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert "主营业务收入 2000 万元，达到 2000 万元标准" in message(verdict, "申报条件3")


def test_not_above_designated_size_fails(policy, passing_application):
    passing_application["enterprise"]["above_designated_size"] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件3": FAIL, "基础要求1": FAIL})
    assert "不是规模以上工业企业" in message(verdict, "申报条件3")
    assert not verdict.eligible and not verdict.tier_met


def test_declared_above_size_without_revenue_is_missing(policy, passing_application):
    del passing_application["enterprise"]["main_business_revenue_10k_yuan"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": MISSING, "申报条件3": MISSING, "基础要求1": MISSING})
    assert "尚未填写上年度主营业务收入" in message(verdict, "申报条件3")


@pytest.mark.parametrize("competitiveness", ["", "   "])
def test_empty_competitiveness_is_missing(policy, passing_application, competitiveness):
    passing_application["enterprise"]["competitiveness"] = competitiveness
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": MISSING, "申报条件3": MISSING, "基础要求1": MISSING})
    assert "尚未说明企业和产品的市场竞争力" in message(verdict, "申报条件3")


# --- 申报条件4 / 基础要求2: the last three years ------------------------------------------------------

def accident(date="2025-06-12", severity="一般", fatalities=0, category="安全"):
    return {"date": date, "category": category, "severity": severity, "fatalities": fatalities}


def test_fatal_general_accident_fails_the_notice_but_not_the_element_conditions(policy, passing_application):
    passing_application["record"]["accidents"] = [accident(severity="一般", fatalities=1)]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件4": FAIL})  # 基础要求2 (and so 申报条件1) still pass
    text = message(verdict, "申报条件4")
    assert "亡人事故 1 起（2025-06-12）" in text
    assert "通知比《要素条件》更严格" in text
    assert "无较大及以上安全、环保等事故" in message(verdict, "基础要求2")
    assert not verdict.eligible and verdict.tier_met


def test_serious_accident_fails_both(policy, passing_application):
    passing_application["record"]["accidents"] = [accident(severity="较大", fatalities=0, category="环保")]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})
    assert "较大及以上安全、环保等事故 1 起（2025-06-12）" in message(verdict, "申报条件4")
    assert "较大及以上安全、环保等事故 1 起（2025-06-12）" in message(verdict, "基础要求2")
    assert "亡人事故" not in message(verdict, "申报条件4")  # only the failing checks are shown


def test_non_fatal_general_accident_passes(policy, passing_application):
    passing_application["record"]["accidents"] = [accident(severity="一般", fatalities=0)]
    assert_only(judge(policy, passing_application), {})


def test_accident_one_day_before_lookback_start_is_ignored(policy, passing_application):
    assert policy.lookback_start.isoformat() == "2023-01-22"
    passing_application["record"]["accidents"] = [accident(date="2023-01-21", severity="较大", fatalities=1)]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert "另有 1 起早于2023年1月22日，不计入近三年" in message(verdict, "申报条件4")
    assert "另有 1 起早于2023年1月22日，不计入近三年" in message(verdict, "基础要求2")


def test_accident_on_lookback_start_counts(policy, passing_application):
    passing_application["record"]["accidents"] = [accident(date="2023-01-22", severity="较大", fatalities=1)]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})
    text = message(verdict, "申报条件4")
    assert "近三年（2023年1月22日以来）有较大及以上安全、环保等事故 1 起（2023-01-22）" in text
    assert "亡人事故 1 起（2023-01-22）" in text


@pytest.mark.parametrize("key, what", [("bad_credit_records", "不良信用记录"), ("violations", "违法违规行为")])
def test_bad_record_in_window_fails(policy, passing_application, key, what):
    passing_application["record"][key] = [{"date": "2024-05-01", "description": "示例"}]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})
    assert f"有{what} 1 起（2024-05-01）" in message(verdict, "申报条件4")


@pytest.mark.parametrize("key", ["bad_credit_records", "violations"])
def test_bad_record_before_window_is_ignored(policy, passing_application, key):
    passing_application["record"][key] = [{"date": "2023-01-21"}]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert "不计入近三年" in message(verdict, "申报条件4")


def test_event_dated_after_submission_needs_review(policy, passing_application):
    passing_application["record"]["violations"] = [{"date": "2026-03-11"}]  # submitted 2026-03-10
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW, "申报条件4": REVIEW, "基础要求2": REVIEW})
    assert "违法违规行为记录的日期（2026-03-11）晚于申报时间，请核实" in message(verdict, "申报条件4")


def test_submission_day_is_taken_in_beijing_time(policy, passing_application):
    # 2026-03-10 20:00 in New York is 2026-03-11 09:00 in Beijing: an event on 3-11 is not "after submission"
    passing_application["submitted_at"] = "2026-03-10T20:00:00-05:00"
    passing_application["record"]["violations"] = [{"date": "2026-03-11"}]
    passing_application["maturity"]["report_date"] = "2026-03-11"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})
    assert "有违法违规行为 1 起（2026-03-11）" in message(verdict, "申报条件4")


def test_event_on_submission_day_counts(policy, passing_application):
    passing_application["record"]["violations"] = [{"date": "2026-03-10"}]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})


def test_unsound_operations_and_finance_fails(policy, passing_application):
    passing_application["record"]["operations_and_finance_sound"] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件4": FAIL, "基础要求2": FAIL})
    assert "近三年经营和财务状况不良" in message(verdict, "申报条件4")


def test_absent_record_lists_are_missing_not_fail(policy, passing_application):
    passing_application["record"] = {"operations_and_finance_sound": True}
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": MISSING, "申报条件4": MISSING, "基础要求2": MISSING})
    text = message(verdict, "申报条件4")
    for what in ("不良信用记录", "违法违规行为", "较大及以上安全、环保等事故", "亡人事故"):
        assert f"尚未申报近三年有无{what}" in text
    assert verdict.outcome == Outcome.INCOMPLETE


# --- 申报条件5 / 基础要求3 ---------------------------------------------------------------------------

@pytest.mark.parametrize("key, words", [
    ("secure_and_controllable", "未能做到关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控"),
    ("cyber_and_data_risk_controllable", "未能做到网络安全和数据安全风险可控"),
])
def test_security_declaration_false_fails(policy, passing_application, key, words):
    passing_application["security"][key] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件5": FAIL, "基础要求3": FAIL})
    assert words in message(verdict, "申报条件5")


def test_uncontrolled_equipment_contradicting_the_declaration_needs_review(policy, passing_application):
    passing_application["equipment"][1]["secure_controllable"] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW, "申报条件5": REVIEW, "基础要求3": REVIEW})
    text = message(verdict, "申报条件5")
    assert "1 项标为非安全可控（制造执行系统（MES））" in text
    assert "与“安全可控”的申明不一致" in text


# --- 申报条件6 / 基础要求4 ---------------------------------------------------------------------------

def test_no_talent_fails(policy, passing_application):
    passing_application["organisation"]["talent_count"] = 0
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件6": FAIL, "基础要求4": FAIL})
    assert "没有智能制造专业人才" in message(verdict, "申报条件6")


def test_no_mechanism_fails(policy, passing_application):
    passing_application["organisation"]["has_mechanism"] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件6": FAIL, "基础要求4": FAIL})
    assert "未建立智能工厂统筹规划、建设和运营的组织机制" in message(verdict, "申报条件6")


# --- 申报条件7 / 基础要求5: maturity -------------------------------------------------------------------

def test_maturity_level_1_fails(policy, passing_application):
    passing_application["maturity"].update(level=1, score=1.5)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": FAIL, "申报条件7": FAIL, "基础要求5": FAIL})
    for clause in ("申报条件7", "基础要求5"):
        text = message(verdict, clause)
        assert "成熟度自评估为一级，基础级要求达到 GB/T 39116-2020 二级及以上" in text


def test_maturity_level_3_passes(policy, passing_application):
    passing_application["maturity"].update(level=3, score=3.1)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert "成熟度自评估为三级，达到二级及以上" in message(verdict, "基础要求5")


def test_missing_report_number_is_missing(policy, passing_application):
    del passing_application["maturity"]["report_number"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件7": MISSING})
    assert "尚未填写自评估报告编号" in message(verdict, "申报条件7")


def test_assessment_on_another_platform_fails(policy, passing_application):
    passing_application["maturity"]["platform"] = "某咨询公司平台"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件7": FAIL})
    text = message(verdict, "申报条件7")
    assert "“某咨询公司平台”" in text and "智能制造评估评价公共服务平台" in text


def test_public_platform_by_its_web_address_passes(policy, passing_application):
    passing_application["maturity"]["platform"] = "www.c3mep.cn"
    assert_only(judge(policy, passing_application), {})


def test_score_outside_the_level_band_needs_review(policy, passing_application):
    passing_application["maturity"].update(level=2, score=1.5)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件1": REVIEW, "申报条件7": REVIEW, "基础要求5": REVIEW})
    text = message(verdict, "申报条件7")
    assert "自评估得分 1.5 与二级的得分区间（1.8–2.8）不一致" in text


@pytest.mark.parametrize("level, score, expected", [
    (2, 1.8, PASS),  # each band includes its lower bound
    (3, 2.8, PASS),
    (2, 2.8, REVIEW),  # … and excludes its upper bound
    (2, 2.79, PASS),
    (5, 5, PASS),  # except the top band, which includes 5
    (4, 4.8, REVIEW),
])
def test_score_band_bounds(policy, passing_application, level, score, expected):
    passing_application["maturity"].update(level=level, score=score)
    verdict = judge(policy, passing_application)
    assert results(verdict)["基础要求5"] == expected


def test_report_dated_after_submission_fails(policy, passing_application):
    passing_application["maturity"]["report_date"] = "2026-03-11"  # submitted 2026-03-10
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件7": FAIL})
    assert "自评估报告日期 2026年3月11日 晚于申报时间" in message(verdict, "申报条件7")


def test_advanced_tier_also_accepts_maturity_level_2(policy, passing_application):
    verdict = judge(policy, passing_application, tier="先进级")
    assert results(verdict)["申报条件7"] == PASS
    assert results(verdict)["基础要求5"] == PASS
    assert "成熟度自评估为二级，达到二级及以上" in message(verdict, "基础要求5")


# --- 申报条件8 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, what", [
    ("onsite_verification", "现场核查"), ("technology_promotion", "技术推广"), ("case_exchange", "典型案例交流"),
])
def test_unwilling_to_cooperate_fails(policy, passing_application, key, what):
    passing_application["cooperation"][key] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件8": FAIL})
    assert message(verdict, "申报条件8") == f"不愿配合{what}。"


# --- 申报条件9 ---------------------------------------------------------------------------------------

def test_factory_scope_on_basic_tier_needs_review(policy, passing_application):
    passing_application["scope"] = "工厂级"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件9": REVIEW})
    text = message(verdict, "申报条件9")
    assert "建设范围为工厂级" in text and "产线级、车间级" in text and "人工复核" in text


def test_line_scope_passes(policy, passing_application):
    passing_application["scope"] = "产线级"
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert "建设范围为产线级" in message(verdict, "申报条件9")


def test_absent_scope_is_missing(policy, passing_application):
    del passing_application["scope"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件9": MISSING})
    assert "尚未选择建设范围" in message(verdict, "申报条件9")


# --- 申报时间: inclusive whole days in Beijing time -----------------------------------------------------

@pytest.mark.parametrize("submitted_at, expected, shown", [
    ("2026-01-22T00:00:00+08:00", PASS, "2026-01-22 00:00:00"),
    ("2026-01-21T23:59:59+08:00", FAIL, "2026-01-21 23:59:59"),
    ("2026-03-15T23:59:59+08:00", PASS, "2026-03-15 23:59:59"),
    ("2026-03-16T00:00:00+08:00", FAIL, "2026-03-16 00:00:00"),
    ("2026-03-15T15:59:59Z", PASS, "2026-03-15 23:59:59"),
    ("2026-03-15T16:00:00Z", FAIL, "2026-03-16 00:00:00"),
    ("2026-01-21T16:00:00Z", PASS, "2026-01-22 00:00:00"),
    ("2026-01-21T15:59:59Z", FAIL, "2026-01-21 23:59:59"),
    ("2026-03-15T10:00:00-05:00", PASS, "2026-03-15 23:00:00"),
    ("2026-03-15T11:00:00-05:00", FAIL, "2026-03-16 00:00:00"),
    ("2026-03-16T01:29:59+09:30", PASS, "2026-03-15 23:59:59"),
    ("2026-03-16T01:30:00+09:30", FAIL, "2026-03-16 00:00:00"),
    ("2026-03-15 23:59:59+0800", PASS, "2026-03-15 23:59:59"),
])
def test_submission_window_boundaries(policy, passing_application, submitted_at, expected, shown):
    passing_application["submitted_at"] = submitted_at
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报时间": expected})
    assert verdict.eligible == (expected == PASS)
    text = message(verdict, "申报时间")
    day, time = shown.split(" ")
    year, month, date = (int(part) for part in day.split("-"))
    assert f"提交时间 {year}年{month}月{date}日 {time}（北京时间）" in text  # the Chinese date, never ISO
    assert "2026年1月22日至2026年3月15日（北京时间，含当日）" in text
    if expected == FAIL:
        assert ("早于申报开始时间" if shown < "2026-01-22" else "晚于申报截止时间") in text


def test_absent_submission_time_is_missing(policy, passing_application):
    del passing_application["submitted_at"]
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报时间": MISSING})
    assert message(verdict, "申报时间").startswith("尚未提交")


# --- 建设内容: coverage through 环节 → domain ------------------------------------------------------------

def scenarios(*ids):
    return [{"id": sid, "description": f"{sid} 建设内容说明"} for sid in ids]


@pytest.mark.parametrize("scenario_id, name, link", [
    ("SC24", "在线智能检测", "质量管控"),
    ("SC28", "设备故障诊断与预测", "设备管理"),
    ("SC20", "柔性产线快速换产", "生产作业"),
])
def test_production_operation_links_cover_the_basic_tier(policy, passing_application, scenario_id, name, link):
    passing_application["scenarios"] = scenarios(scenario_id)
    verdict = judge(policy, passing_application)
    assert_only(verdict, {})
    assert message(verdict, "建设内容-基础级") == f"覆盖生产作业：{scenario_id} {name}（{link}）。"
    assert verdict.coverage["domains"] == {"production_operation": [scenario_id]}


def test_energy_management_alone_does_not_cover_production_operation(policy, passing_application):
    passing_application["scenarios"] = scenarios("SC16")  # 能碳管理 belongs to 生产管理
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件2": FAIL, "建设内容-基础级": FAIL})
    text = message(verdict, "建设内容-基础级")
    assert "未覆盖生产作业环节（生产作业涵盖生产作业、质量管控、设备管理）" in text
    assert "基础级要求至少覆盖该环节" in text
    assert "建设内容-基础级" in message(verdict, "申报条件2")
    assert verdict.coverage["domains"] == {"production_management": ["SC16"]}
    assert not verdict.eligible and not verdict.tier_met


@pytest.mark.parametrize("value", [None, []])
def test_no_scenarios_is_missing(policy, passing_application, value):
    if value is None:
        del passing_application["scenarios"]
    else:
        passing_application["scenarios"] = value
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件2": MISSING, "建设内容-基础级": MISSING})
    assert "尚未选择已建设的典型场景；基础级至少需覆盖生产作业环节" in message(verdict, "建设内容-基础级")


def test_advanced_tier_covered_by_operation_management_and_operations(policy, passing_application):
    passing_application["scenarios"] = scenarios("SC24", "SC09", "SC37")
    verdict = judge(policy, passing_application, tier="先进级")
    assert_only(verdict, {"建设成效-先进级": REVIEW})  # 建设成效 is for the experts
    text = message(verdict, "建设内容-先进级")
    assert "覆盖生产作业：SC24" in text and "覆盖生产管理：SC09" in text and "覆盖运营管理：SC37" in text
    assert verdict.eligible and not verdict.tier_met  # every element condition but 建设成效, which experts judge


def test_advanced_tier_without_operations_management_fails_naming_it(policy, passing_application):
    passing_application["scenarios"] = scenarios("SC24", "SC09")
    verdict = judge(policy, passing_application, tier="先进级")
    assert_only(verdict, {"申报条件2": FAIL, "建设内容-先进级": FAIL, "建设成效-先进级": REVIEW})
    text = message(verdict, "建设内容-先进级")
    assert "未覆盖运营管理环节（运营管理涵盖营销与售后、供应链管理）" in text
    assert "先进级要求至少覆盖该环节" in text
    assert "生产作业" not in text and "生产管理" not in text  # the covered domains are not blamed


def test_operations_other_bucket_counts_for_operations_management(policy, passing_application):
    passing_application["scenarios"] = scenarios("SC24", "SC09", "SC30")
    verdict = judge(policy, passing_application, tier="先进级")
    assert_only(verdict, {"建设成效-先进级": REVIEW})  # 建设成效 is for the experts
    assert "覆盖运营管理：SC30 智能经营决策（运营管理-其他" in message(verdict, "建设内容-先进级")


@pytest.mark.parametrize("description", [None, "", "  "])
def test_scenario_without_description_is_missing(policy, passing_application, description):
    if description is None:
        del passing_application["scenarios"][1]["description"]
    else:
        passing_application["scenarios"][1]["description"] = description
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件2": MISSING, "建设内容-基础级": MISSING})
    assert "场景 SC24 尚未填写建设内容说明" in message(verdict, "建设内容-基础级")


def test_construction_not_completed_fails_condition_2(policy, passing_application):
    passing_application["construction_completed"] = False
    verdict = judge(policy, passing_application)
    assert_only(verdict, {"申报条件2": FAIL})
    assert "尚未完成智能工厂建设" in message(verdict, "申报条件2")


def test_coverage_summary_counts_ai_scenarios(policy, passing_application):
    coverage = judge(policy, passing_application).coverage
    assert coverage["scenario_count"] == 3 and coverage["ai_scenario_count"] == 1
    assert coverage["ai_scenario_ratio"] == 33.33
    assert coverage["domains"] == {"production_operation": ["SC24", "SC27"], "production_management": ["SC09"]}


# --- eligible / tier_met / outcome ------------------------------------------------------------------

def test_one_fail_makes_the_application_ineligible(policy, passing_application):
    passing_application["cooperation"]["case_exchange"] = False
    verdict = judge(policy, passing_application)
    assert verdict.outcome == Outcome.INELIGIBLE and verdict.outcome.label == "不符合申报条件"
    assert not verdict.eligible and verdict.tier_met


def test_only_missing_makes_it_incomplete(policy, passing_application):
    del passing_application["scope"]
    verdict = judge(policy, passing_application)
    assert verdict.outcome == Outcome.INCOMPLETE and verdict.outcome.label == "信息不完整"
    assert not verdict.eligible and verdict.tier_met


def test_only_review_makes_it_needs_review(policy, passing_application):
    passing_application["scope"] = "工厂级"
    verdict = judge(policy, passing_application)
    assert verdict.outcome == Outcome.NEEDS_REVIEW and verdict.outcome.label == "需人工复核"
    assert not verdict.eligible and verdict.tier_met


def test_missing_outweighs_review_and_fail_outweighs_both(policy, passing_application):
    passing_application["scope"] = "工厂级"  # review
    del passing_application["maturity"]["report_number"]  # missing
    assert judge(policy, passing_application).outcome == Outcome.INCOMPLETE
    passing_application["cooperation"]["onsite_verification"] = False  # fail
    assert judge(policy, passing_application).outcome == Outcome.INELIGIBLE


def test_failed_requirement_means_tier_not_met(policy, passing_application):
    passing_application["organisation"]["talent_count"] = 0
    verdict = judge(policy, passing_application)
    assert not verdict.tier_met and not verdict.eligible


@pytest.mark.parametrize("tier", ["先进级", "advanced", "Advanced"])
def test_tier_override(policy, passing_application, tier):
    verdict = judge(policy, passing_application, tier=tier)
    assert (verdict.tier, verdict.tier_name) == ("advanced", "先进级")
    assert [f.clause for f in verdict.findings[-2:]] == ["建设内容-先进级", "建设成效-先进级"]
    assert not verdict.tier_met  # the passing example lacks 运营管理


def test_tier_from_the_document(policy, passing_application):
    passing_application["tier"] = "advanced"
    assert judge(policy, passing_application).tier == "advanced"
    assert judge(policy, passing_application, tier="基础级").tier == "basic"  # the override wins
    del passing_application["tier"]
    assert judge(policy, passing_application).tier == "basic"  # the call's own tier


def test_unknown_tier_override_is_an_interchange_error(policy, passing_application):
    with pytest.raises(InterchangeError) as caught:
        evaluate(policy, passing_application, tier="超级")
    (field, text), = caught.value.problems
    assert field == "tier" and "未知的申报等级" in text and "超级" in text


def test_draft_with_only_the_format_is_all_missing(policy):
    verdict = judge(policy, {"format": "tidu.application/1"})
    assert set(results(verdict).values()) == {MISSING}
    assert not any(f.result == FAIL for f in verdict.findings)
    assert verdict.outcome == Outcome.INCOMPLETE
    assert not verdict.eligible and not verdict.tier_met
    assert all(k["status"] == "missing" and k["value"] is None for k in verdict.kpis.values())


def test_partial_draft_never_fails_unanswered_questions(policy):
    draft = {"format": "tidu.application/1",
             "enterprise": {"registered_region": "湖北省天门市", "legal_status": "legal_person"},
             "submitted_at": "2026-02-01T09:00:00+08:00"}
    verdict = judge(policy, draft)
    assert not any(f.result == FAIL for f in verdict.findings)
    assert results(verdict)["申报时间"] == PASS


# --- KPIs -------------------------------------------------------------------------------------------

def test_kpis_in_the_verdict(policy, passing_application):
    kpis = judge(policy, passing_application).kpis
    assert kpis["K09"] == {"name": "产品不良率下降", "unit": "%", "value": 54.17, "status": "computed",
                           "missing_inputs": []}  # (2.4 - 1.1) / 2.4
    assert kpis["K01"]["value"] == 79.31 and kpis["K01"]["name"] == "关键设备数控化率"  # 46 / 58
    assert kpis["K07"]["value"] == 25.83  # (151 - 120) / 120
    assert kpis["K02"]["status"] == "missing" and kpis["K02"]["missing_inputs"] == ["part", "whole"]
    assert len(kpis) == 20


def test_kpi_with_one_input_missing(policy, passing_application):
    passing_application["kpis"]["K09"] = {"before": 2.4, "after": None}
    kpi = judge(policy, passing_application).kpis["K09"]
    assert kpi["value"] is None and kpi["status"] == "missing" and kpi["missing_inputs"] == ["after"]


@pytest.mark.parametrize("kpi_id, inputs, field", [
    ("K04", {"value": 1e30}, "kpis.K04.value"),  # count of decision models
    ("K04", {"value": 10**400}, "kpis.K04.value"),  # beyond any float
    ("K07", {"before": 1, "after": 1e30}, "kpis.K07.after"),  # production efficiency, unbounded quantity
])
def test_huge_kpi_inputs_are_refused_not_crashed(policy, passing_application, kpi_id, inputs, field):
    passing_application["kpis"][kpi_id] = inputs
    with pytest.raises(InterchangeError) as caught:
        evaluate(policy, passing_application)
    assert [f for f, _ in caught.value.problems] == [field]


@pytest.mark.parametrize("before", [1e-300, 1e-30])
def test_tiny_kpi_baseline_is_refused_not_crashed(policy, passing_application, before):
    passing_application["kpis"]["K09"] = {"before": before, "after": 100}  # 产品不良率 rate inputs, both ≤ 100
    try:
        verdict = evaluate(policy, passing_application)
    except InterchangeError as exc:
        assert [f for f, _ in exc.problems] == ["kpis.K09.before"]
    else:
        assert verdict.kpis["K09"]["status"] in ("computed", "invalid")


def test_huge_revenue_integer_is_refused_not_crashed(policy, passing_application):
    passing_application["enterprise"]["main_business_revenue_10k_yuan"] = 10**400
    try:
        judge(policy, passing_application)
    except InterchangeError:
        pass


@pytest.mark.parametrize("submitted_at", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_extreme_submission_years_do_not_crash(policy, passing_application, submitted_at):
    passing_application["submitted_at"] = submitted_at
    try:
        verdict = judge(policy, passing_application)
    except InterchangeError as exc:
        assert exc.problems[0][0] == "submitted_at"
    else:
        assert results(verdict)["申报时间"] == FAIL


def test_verdict_is_json_serialisable(policy, passing_application):
    data = json.loads(json.dumps(judge(policy, passing_application).as_dict(), ensure_ascii=False))
    assert data["outcome"] == "eligible" and data["outcome_label"] == "符合申报条件"
    assert [f["clause"] for f in data["findings"]] == list(BASIC_CLAUSES)
    assert all(f["result"] == "pass" for f in data["findings"])


# --- 建设成效 of 先进级 ------------------------------------------------------------------------------

def test_advanced_without_any_kpi_is_not_met_and_lists_outcomes_as_missing(policy, passing_application):
    """It used to be declared met: no code read the tier's 建设成效."""
    passing_application["scenarios"].append({"id": "SC30", "description": "智能经营决策", "uses_ai": False})
    passing_application["kpis"] = {}
    verdict = judge(policy, passing_application, tier="先进级")
    assert results(verdict)["建设内容-先进级"] == PASS
    assert results(verdict)["建设成效-先进级"] == MISSING
    assert "尚未填报关键绩效指标，无法评估建设成效" in message(verdict, "建设成效-先进级")
    assert not verdict.tier_met


def test_advanced_with_kpis_leaves_outcomes_to_reviewers_citing_the_figures(policy, passing_application):
    passing_application["scenarios"].append({"id": "SC30", "description": "智能经营决策", "uses_ai": False})
    verdict = judge(policy, passing_application, tier="先进级")
    finding = verdict.finding("建设成效-先进级")
    assert finding.result == REVIEW and len(finding.checks) == 2
    assert "建设成效须由评审专家判断" in finding.message and "已填报指标：" in finding.message
    assert not verdict.tier_met


def test_basic_tier_has_no_judged_outcomes(policy, passing_application):
    """基础级's 建设成效 in the tier pack is a third-party transcription (grade C): shown, never imposed."""
    verdict = judge(policy, passing_application)
    assert not any(f.clause.startswith("建设成效") for f in verdict.findings)
    assert verdict.tier_met


def test_trusted_documents_skip_only_the_schema_and_judge_the_same(policy, passing_application):
    """Documents the project builds are not schema-checked again; the verdict is the same, bad shapes still
    answer with the schema's problem list instead of a crash."""
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.interchange import InterchangeError

    assert evaluate(policy, passing_application, trusted=True).as_dict() == evaluate(
        policy, passing_application).as_dict()
    broken = {**passing_application, "kpis": "none"}
    with pytest.raises(InterchangeError):
        evaluate(policy, broken)
    with pytest.raises(InterchangeError):
        evaluate(policy, broken, trusted=True)
