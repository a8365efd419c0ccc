"""Properties of the engine over generated documents (hypothesis).

(a) Whatever JSON-like value arrives, ``evaluate`` either returns a full verdict or raises
    InterchangeError with Chinese problems; never any other exception.
(b) For schema-valid documents the verdict is complete, consistent, deterministic, never shows a
    failure for a question that was not answered, and does not depend on the UTC offset the
    submission time was written in.

Valid documents keep numbers to realistic magnitudes and submission years to 2000–2100 (the range the
interchange format accepts); the extremes are covered by the tests in test_engine.py
(test_tiny_kpi_baseline_is_refused_not_crashed, test_huge_revenue_integer_is_refused_not_crashed,
test_extreme_submission_years_do_not_crash), and part (a) throws arbitrary values at the engine.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Outcome, Result, worst
from tidu.eligibility.interchange import FORMAT, InterchangeError, parse_submitted_at, schema
from tidu.policy.call_policy import load_call_policy

# Module level (not the conftest fixtures) because the strategies are built from the policy's catalogues.
POLICY = load_call_policy("call-tianmen-2026-basic")
PASSING = json.loads((Path(__file__).resolve().parents[1] / "examples" / "passing-basic.json").read_text(encoding="utf-8"))

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CONDITIONS = tuple(f"申报条件{n}" for n in range(1, 10))
REQUIREMENTS = tuple(f"基础要求{n}" for n in range(1, 6))
TIER_NAMES = sorted({name for tier in POLICY.tier_map.values() for name in (tier["id"], tier["name"], tier["name_en"])})
SCENARIO_IDS = sorted(POLICY.scenario_map)
BEIJING = dt.timezone(dt.timedelta(hours=8))

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- checking a verdict ---------------------------------------------------------------------------

def expected_tier(document, tier):
    name = tier or (document.get("tier") if isinstance(document, dict) else None)
    return POLICY.call_tier if name is None else POLICY.find_tier(name)


def judged_outcomes(tier_def) -> list[dict]:
    """Outcomes (建设成效) from official sources are conditions of the tier; the engine leaves them to reviewers."""
    return [o for o in tier_def.get("outcomes", []) if o["grade"] in ("A", "B")]


def assert_complete_and_consistent(verdict, tier_def) -> None:
    outcome_clauses = (f"建设成效-{tier_def['name']}",) if judged_outcomes(tier_def) else ()
    clauses = (*CONDITIONS, "申报时间", *REQUIREMENTS, tier_def["coverage_clause"], *outcome_clauses)
    assert tuple(f.clause for f in verdict.findings) == clauses
    assert verdict.tier == tier_def["id"]
    texts = {**POLICY.conditions, **POLICY.basic_requirements, "申报时间": POLICY.call.content["window"]["text"],
             tier_def["coverage_clause"]: tier_def["coverage_text"],
             **{clause: "".join(o["text"] for o in judged_outcomes(tier_def)) for clause in outcome_clauses}}
    for finding in verdict.findings:
        assert finding.result in set(Result)
        assert finding.clause_text == texts[finding.clause]
        assert CHINESE.search(finding.message), finding
        assert finding.checks and finding.result == worst(c.result for c in finding.checks)
        assert all(CHINESE.search(check.message) for check in finding.checks), finding

    results = {f.clause: f.result for f in verdict.findings}
    conditions_pass = all(results[c] == Result.PASS for c in (*CONDITIONS, "申报时间"))
    requirements_pass = all(results[c] == Result.PASS
                            for c in (*REQUIREMENTS, tier_def["coverage_clause"], *outcome_clauses))
    if outcome_clauses:  # 建设成效 is for reviewers: the engine alone never declares such a tier met
        assert not verdict.tier_met and results[outcome_clauses[0]] in (Result.REVIEW, Result.MISSING)
    assert verdict.eligible == conditions_pass
    assert verdict.tier_met == requirements_pass
    overall = worst(results.values())
    assert verdict.outcome == {Result.PASS: Outcome.ELIGIBLE, Result.FAIL: Outcome.INELIGIBLE,
                               Result.MISSING: Outcome.INCOMPLETE, Result.REVIEW: Outcome.NEEDS_REVIEW}[overall]
    # 申报条件1 carries every basic requirement that did not pass, 申报条件2 the coverage clause
    for requirement in REQUIREMENTS:
        assert results["申报条件1"] == worst([results["申报条件1"], results[requirement]])
    assert results["申报条件2"] == worst([results["申报条件2"], results[tier_def["coverage_clause"]]])
    json.dumps(verdict.as_dict(), ensure_ascii=False, allow_nan=False)


def assert_problems_are_chinese(error: InterchangeError) -> None:
    assert error.problems
    for field, message in error.problems:
        assert isinstance(field, str) and field
        assert CHINESE.search(message), (field, message)


# --- (a) arbitrary JSON-like values ---------------------------------------------------------------

def _property_names(node) -> set[str]:
    names = set()
    if isinstance(node, dict):
        names.update(node.get("properties", {}))
        for value in node.values():
            names |= _property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= _property_names(value)
    return names


KEYS = st.sampled_from(sorted(_property_names(schema()) | set(POLICY.kpi_map) | {"part", "whole", "before", "after",
                                                                                  "value", "reused", "fresh"}))
NUMBERS = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(min_value=-1e15, max_value=1e15).map(lambda x: round(x, 4)),
    st.sampled_from([math.nan, math.inf, -math.inf, 0, 1, 2, 5, 6, 100, 101, 1999.99, 2000, -1]),
)
STRINGS = st.one_of(st.text(max_size=12), st.sampled_from([
    FORMAT, "tianmen-2026-basic", "SC24", "SC99", "K09", "2026-03-10T10:30:00+08:00", "2026-03-10T10:30:00",
    "2025-12-18", "2026-02-30", "基础级", "先进级", "车间级", "工厂级", "branch", "legal_person", "一般", "较大", "安全",
    "湖北省天门市", "C2511", "智能制造评估评价公共服务平台", "",
]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | STRINGS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS | st.text(max_size=4), children, max_size=5),
    max_leaves=25,
)
TOP_LEVEL = st.fixed_dictionaries(
    {"format": st.just(FORMAT) | JSON_VALUES},
    optional={key: JSON_VALUES for key in schema()["properties"] if key != "format"},
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PASSING_PATHS = [path for path in _paths(PASSING) if path]


def _same_kind(value):
    """Values of the same JSON type as ``value``: changes that often keep the document valid."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int | float):
        return NUMBERS
    if isinstance(value, str):
        return STRINGS
    return JSON_VALUES


@st.composite
def mutated_passing(draw):
    """The passing example with a few values replaced by arbitrary or same-typed ones, or removed."""
    document = copy.deepcopy(PASSING)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PASSING_PATHS))
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            how = draw(st.sampled_from(["remove", "same kind", "same kind", "anything"]))
            if how == "remove" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif how == "same kind":
                parent[path[-1]] = draw(_same_kind(parent[path[-1]]))
            else:
                parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this part
    return document


@SETTINGS
@given(document=st.one_of(JSON_VALUES, TOP_LEVEL, mutated_passing(), mutated_passing(), mutated_passing()),
       tier=st.none() | st.sampled_from(TIER_NAMES) | st.text(max_size=3))
def test_any_value_gives_a_verdict_or_an_interchange_error(document, tier):
    try:
        verdict = evaluate(POLICY, document, tier=tier)
    except InterchangeError as error:
        event("refused")
        assert_problems_are_chinese(error)
        return
    event(f"judged: {verdict.outcome}")
    assert_complete_and_consistent(verdict, expected_tier(document, tier))


# --- (b) schema-valid documents -------------------------------------------------------------------

def _text(max_size=20):
    return st.text(max_size=max_size)


def _offset_text(minutes: int, style: int) -> str:
    if minutes == 0 and style == 0:
        return "Z"
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if style != 2 else ''}{mins:02d}"


BOUNDARIES = [POLICY.opens_at, POLICY.closes_before]


@st.composite
def submission_times(draw) -> str:
    """An instant near a window boundary or anywhere, written in a random UTC offset and ISO style."""
    if draw(st.booleans()):
        instant = draw(st.sampled_from(BOUNDARIES)) + dt.timedelta(seconds=draw(st.integers(-90_000, 90_000)))
    else:
        naive = draw(st.datetimes(min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2100, 12, 30)))
        instant = naive.replace(tzinfo=dt.UTC)
    minutes = draw(st.sampled_from([480, 0, -300, 570, 345, -720, 840]) | st.integers(-14 * 60, 14 * 60))
    local = instant.astimezone(dt.timezone(dt.timedelta(minutes=minutes)))
    if draw(st.booleans()):
        local = local.replace(microsecond=0)
    text = local.replace(tzinfo=None).isoformat(sep=draw(st.sampled_from(["T", " "])))
    if text.endswith(":00") and len(text) == 19 and draw(st.booleans()):
        text = text[:-3]  # seconds may be left out
    return text + _offset_text(minutes, draw(st.integers(0, 2)))


DATES = st.one_of(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.sampled_from([dt.date(2023, 1, 21), dt.date(2023, 1, 22), dt.date(2026, 3, 9), dt.date(2026, 3, 10),
                     dt.date(2026, 3, 15), dt.date(2026, 3, 16)]),
).map(dt.date.isoformat)

ENTERPRISE = st.fixed_dictionaries({}, optional={
    "name": _text(),
    "credit_code": _text(),
    "registered_region": st.sampled_from(["湖北省天门市", "天门市", "湖北省武汉市", "广东省深圳市", ""]) | _text(),
    "legal_status": st.sampled_from(["legal_person", "branch"]),
    "industry_code": st.sampled_from(["C2511", "B0911", "C3484", "C32", "B07", "C", "C25"])
    | st.from_regex(r"\A[A-T]([0-9]{2}([0-9]{1,2})?)?\Z"),
    "above_designated_size": st.booleans(),
    "main_business_revenue_10k_yuan": st.sampled_from([1999.99, 2000, 0]) | st.integers(0, 10**9)
    | st.floats(min_value=0, max_value=1e9),
    "competitiveness": st.sampled_from(["", "  ", "主导产品国内市场占有率领先。"]) | _text(),
})
DATED_EVENTS = st.lists(st.fixed_dictionaries({"date": DATES}, optional={"description": _text()}), max_size=3)
ACCIDENTS = st.lists(st.fixed_dictionaries(
    {"date": DATES, "category": st.sampled_from(["安全", "环保", "其他"]),
     "severity": st.sampled_from(["一般", "较大", "重大", "特别重大"]), "fatalities": st.integers(0, 5)},
    optional={"description": _text()}), max_size=3)
RECORD = st.fixed_dictionaries({}, optional={
    "operations_and_finance_sound": st.booleans(), "bad_credit_records": DATED_EVENTS, "accidents": ACCIDENTS,
    "violations": DATED_EVENTS,
})
SECURITY = st.fixed_dictionaries({}, optional={"secure_and_controllable": st.booleans(),
                                               "cyber_and_data_risk_controllable": st.booleans()})
EQUIPMENT = st.lists(st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=10), "secure_controllable": st.booleans()},
    optional={"category": st.sampled_from(["装备", "工业软件", "工业操作系统", "系统解决方案", "其他"]),
              "model": _text(), "vendor": _text(), "origin": st.sampled_from(["国产", "进口"])}), max_size=4)
ORGANISATION = st.fixed_dictionaries({}, optional={
    "has_mechanism": st.booleans(), "description": _text(), "talent_count": st.integers(0, 10**6)})
MATURITY = st.fixed_dictionaries({}, optional={
    "level": st.integers(1, 5),
    "score": st.sampled_from([0.8, 1.8, 2.15, 2.8, 3.8, 4.8, 5]) | st.floats(min_value=0, max_value=5),
    "report_number": st.sampled_from(["", " ", "C3ME-2025-420000-01234"]) | _text(),
    "report_date": DATES,
    "platform": st.sampled_from(["智能制造评估评价公共服务平台", "www.c3mep.cn", "C3MEP", "某咨询公司平台", ""]) | _text(),
})
COOPERATION = st.fixed_dictionaries({}, optional={
    "onsite_verification": st.booleans(), "technology_promotion": st.booleans(), "case_exchange": st.booleans()})
SCENARIOS = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(SCENARIO_IDS)},
    optional={"description": st.sampled_from(["", "  ", "建设内容说明"]) | _text(), "uses_ai": st.booleans()}),
    max_size=8, unique_by=lambda scenario: scenario["id"])
KPI_VALUES = st.one_of(
    st.none(),
    st.sampled_from([0, 1, 4.5, 58, 100, 101, 120, -1]),
    st.integers(0, 1000),
    st.floats(min_value=0, max_value=1e6).map(lambda x: round(x, 4)),
)


@st.composite
def kpi_inputs(draw):
    ids = draw(st.lists(st.sampled_from(sorted(POLICY.kpi_map)), unique=True, max_size=6))
    return {kpi_id: draw(st.fixed_dictionaries(
        {}, optional={spec["key"]: KPI_VALUES for spec in POLICY.kpi_map[kpi_id]["inputs"]})) for kpi_id in ids}


SECTIONS = {
    "call": st.just(POLICY.code),
    "call_version": _text(),
    "tier": st.sampled_from(TIER_NAMES),
    "submitted_at": submission_times(),
    "enterprise": ENTERPRISE,
    "record": RECORD,
    "security": SECURITY,
    "equipment": EQUIPMENT,
    "organisation": ORGANISATION,
    "maturity": MATURITY,
    "cooperation": COOPERATION,
    "construction_completed": st.booleans(),
    "scope": st.sampled_from(["产线级", "车间级", "工厂级"]),
    "scenarios": SCENARIOS,
    "kpis": kpi_inputs(),
}


@st.composite
def passing_with_generated_sections(draw, keep=()):
    """The passing example with some sections dropped and some replaced by generated ones."""
    document = copy.deepcopy(PASSING)
    for key in draw(st.lists(st.sampled_from(sorted(SECTIONS)), unique=True, max_size=4)):
        if key not in keep and draw(st.integers(0, 3)) == 0:
            document.pop(key, None)
        else:
            document[key] = draw(SECTIONS[key])
    return document


def valid_documents(with_submission_time=False):
    required = {"format": st.just(FORMAT)}
    optional = dict(SECTIONS)
    keep = ()
    if with_submission_time:
        required["submitted_at"] = optional.pop("submitted_at")
        keep = ("submitted_at",)
    return st.one_of(st.fixed_dictionaries(required, optional=optional), passing_with_generated_sections(keep))


VALID_DOCUMENTS = valid_documents()

# A clause whose sections are all absent has nothing to judge: it must be missing, never failed.
ANSWERED_BY = {
    "申报条件1": ("enterprise", "record", "security", "organisation", "maturity"),
    "申报条件2": ("construction_completed", "scenarios"),
    "申报条件3": ("enterprise",), "基础要求1": ("enterprise",),
    "申报条件4": ("record",), "基础要求2": ("record",),
    "申报条件5": ("security",), "基础要求3": ("security",),
    "申报条件6": ("organisation",), "基础要求4": ("organisation",),
    "申报条件7": ("maturity",), "基础要求5": ("maturity",),
    "申报条件8": ("cooperation",),
    "申报条件9": ("scope",),
    "申报时间": ("submitted_at",),
    "建设内容": ("scenarios",),
    "建设成效": ("kpis",),
}


def _schema_valid(document) -> bool:
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return not list(validator.iter_errors(document))


@SETTINGS
@given(document=VALID_DOCUMENTS, tier=st.none() | st.sampled_from(TIER_NAMES))
def test_valid_documents_get_complete_consistent_verdicts(document, tier):
    assert _schema_valid(document), document  # the strategy itself must produce schema-valid documents
    before = copy.deepcopy(document)
    try:
        verdict = evaluate(POLICY, document, tier=tier)
    except InterchangeError as error:
        event("refused (KPI inputs)")
        assert_problems_are_chinese(error)
        assert all(field.startswith("kpis.") for field, _ in error.problems), error.problems
        return
    event(f"judged: {verdict.outcome}")
    tier_def = expected_tier(document, tier)
    assert_complete_and_consistent(verdict, tier_def)
    assert document == before  # evaluating does not change the application

    again = evaluate(POLICY, copy.deepcopy(document), tier=tier)
    assert again.as_dict() == verdict.as_dict()

    for finding in verdict.findings:
        sections = ANSWERED_BY[finding.clause.split("-")[0]]
        if not any(section in document and document[section] != [] for section in sections):
            assert finding.result == Result.MISSING, (finding.clause, finding.message)

    timing = verdict.finding("申报时间").result
    if "submitted_at" in document:
        opened = POLICY.is_open_at(parse_submitted_at(document["submitted_at"]))
        assert timing == (Result.PASS if opened else Result.FAIL)


@SETTINGS
@given(document=valid_documents(with_submission_time=True),
       minutes=st.integers(-14 * 60, 14 * 60))
def test_verdict_does_not_depend_on_the_utc_offset_used(document, minutes):
    try:
        verdict = evaluate(POLICY, document)
    except InterchangeError:
        return
    instant = parse_submitted_at(document["submitted_at"])
    rewritten = dict(document, submitted_at=instant.astimezone(dt.timezone(dt.timedelta(minutes=minutes))).isoformat())
    assert evaluate(POLICY, rewritten).as_dict() == verdict.as_dict()


@SETTINGS
@given(seconds=st.integers(-3 * 86_400, 3 * 86_400), boundary=st.sampled_from(BOUNDARIES),
       minutes=st.integers(-14 * 60, 14 * 60))
def test_window_is_whole_days_in_beijing_time(seconds, boundary, minutes):
    instant = boundary + dt.timedelta(seconds=seconds)
    document = dict(PASSING, submitted_at=instant.astimezone(dt.timezone(dt.timedelta(minutes=minutes))).isoformat())
    result = evaluate(POLICY, document).finding("申报时间").result
    beijing_day = instant.astimezone(BEIJING).date()
    inside = dt.date(2026, 1, 22) <= beijing_day <= dt.date(2026, 3, 15)
    assert result == (Result.PASS if inside else Result.FAIL)
