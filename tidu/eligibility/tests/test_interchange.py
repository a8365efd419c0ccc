"""The interchange format: bad documents are refused with every problem named, in Chinese, by field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tidu.eligibility.engine import evaluate
from tidu.eligibility.interchange import FORMAT, InterchangeError, read_document, schema, validate

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def problems_of(policy, document) -> list[tuple[str, str]]:
    with pytest.raises(InterchangeError) as caught:
        evaluate(policy, document)
    problems = caught.value.problems
    assert problems, "InterchangeError without problems"
    for field, message in problems:
        assert field and CHINESE.search(message), (field, message)
    return problems


def only_problem(policy, document) -> tuple[str, str]:
    problems = problems_of(policy, document)
    assert len(problems) == 1, problems
    return problems[0]


def _set(path: str, value):
    """A change to the passing example: set the value at a dotted path (list indexes as numbers)."""
    def change(doc):
        *parents, last = path.split(".")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return change


def _append_scenario(scenario):
    return lambda doc: doc["scenarios"].append(scenario)


BAD_DOCUMENTS = {
    # id: (change to the passing example, expected field, words the message must contain)
    "wrong format": (_set("format", "tidu.application/2"), "format", "tidu.application/1"),
    "submitted_at without offset": (_set("submitted_at", "2026-03-10T10:00:00"), "submitted_at", "时区"),
    "submitted_at not a date": (_set("submitted_at", "下周一"), "submitted_at", "时区"),
    "month 13": (_set("submitted_at", "2026-13-10T10:00:00+08:00"), "submitted_at", "不是有效的带时区时间"),
    "offset of 24 hours": (_set("submitted_at", "2026-03-10T10:00:00+24:00"), "submitted_at", "时区"),
    "unknown scenario": (_set("scenarios.0.id", "SC99"), "scenarios[0].id", "场景目录中没有编号 SC99"),
    "malformed scenario id": (_set("scenarios.0.id", "S1"), "scenarios[0].id", "SC01–SC40"),
    "duplicate scenario": (_append_scenario({"id": "SC24", "description": "重复"}), "scenarios[3].id",
                           "场景 SC24 重复填报"),
    "unknown KPI": (_set("kpis.K99", {"value": 1}), "kpis.K99", "指标目录中没有该指标编号"),
    "malformed KPI id": (_set("kpis.X1", {"value": 1}), "kpis", "X1"),
    "unknown KPI input": (_set("kpis.K01.parts", 3), "kpis.K01.parts", "没有名为 'parts' 的输入项"),
    "rate over 100": (_set("kpis.K09.before", 120), "kpis.K09.before", "不能超过 100%"),
    "negative count": (_set("kpis.K01.part", -1), "kpis.K01.part", "不能为负数"),
    "fractional count": (_set("kpis.K01.part", 4.5), "kpis.K01.part", "应为整数"),
    "KPI input as text": (_set("kpis.K01.part", "46"), "kpis.K01.part", "应为数字"),
    "zero baseline": (_set("kpis.K09.before", 0), "kpis.K09.before", "为 0，无法计算变化率"),
    "zero whole": (_set("kpis.K01.whole", 0), "kpis.K01.whole", "为 0，无法计算比例"),
    "part over whole": (_set("kpis.K01.part", 59), "kpis.K01.part", "不能大于“关键设备总数”（58）"),
    "maturity level 6": (_set("maturity.level", 6), "maturity.level", "不能大于 5"),
    "maturity level 0": (_set("maturity.level", 0), "maturity.level", "不能小于 1"),
    "maturity score 5.5": (_set("maturity.score", 5.5), "maturity.score", "不能大于 5"),
    "talent count as text": (_set("organisation.talent_count", "14"), "organisation.talent_count", "应为整数"),
    "negative talent count": (_set("organisation.talent_count", -1), "organisation.talent_count", "不能小于 0"),
    "revenue as text": (_set("enterprise.main_business_revenue_10k_yuan", "18600"),
                        "enterprise.main_business_revenue_10k_yuan", "应为数字"),
    "boolean as text": (_set("construction_completed", "是"), "construction_completed", "是/否"),
    "unknown top-level field": (_set("remarks", "备注"), "（顶层）", "不认识的字段：remarks"),
    "unknown nested field": (_set("enterprise.address", "天门市"), "enterprise", "不认识的字段：address"),
    "report date 2026-02-30": (_set("maturity.report_date", "2026-02-30"), "maturity.report_date", "不是有效的日期"),
    "accident date": (_set("record.accidents", [{"date": "2025-13-01", "category": "安全", "severity": "一般",
                                                  "fatalities": 0}]), "record.accidents[0].date", "不是有效的日期"),
    "accident without severity": (_set("record.accidents", [{"date": "2025-01-01", "category": "安全",
                                                              "fatalities": 0}]),
                                  "record.accidents[0].severity", "缺少必填项"),
    "unknown severity": (_set("record.accidents", [{"date": "2025-01-01", "category": "安全", "severity": "轻微",
                                                     "fatalities": 0}]),
                         "record.accidents[0].severity", "一般、较大、重大、特别重大"),
    "unknown scope": (_set("scope", "企业级"), "scope", "产线级、车间级、工厂级"),
    "unknown legal status": (_set("enterprise.legal_status", "分公司"), "enterprise.legal_status", "legal_person"),
    "malformed industry code": (_set("enterprise.industry_code", "C3"), "enterprise.industry_code", "GB/T 4754"),
    "equipment without flag": (_set("equipment.0", {"name": "五轴加工中心"}),
                               "equipment[0].secure_controllable", "缺少必填项"),
    "other call": (_set("call", "wuhan-2026-basic"), "call", "wuhan-2026-basic"),
    "unknown tier": (_set("tier", "超级"), "tier", "基础级、先进级"),
}


@pytest.mark.parametrize("change, field, words", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_bad_document_names_the_field(policy, passing_application, change, field, words):
    change(passing_application)
    problem_field, message = only_problem(policy, passing_application)
    assert problem_field == field
    assert words in message


@pytest.mark.parametrize("document", [[], ["format"], "tidu.application/1", 42, None])
def test_not_an_object(policy, document):
    assert only_problem(policy, document) == ("（顶层）", "申报数据应为 JSON 对象")


def test_missing_format(policy, passing_application):
    del passing_application["format"]
    assert only_problem(policy, passing_application) == ("format", "缺少必填项")


def test_all_schema_problems_are_reported_at_once(policy, passing_application):
    passing_application["submitted_at"] = "2026-03-10T10:00:00"
    passing_application["organisation"]["talent_count"] = "14"
    passing_application["maturity"]["level"] = 6
    problems = problems_of(policy, passing_application)
    assert len(problems) == 3
    assert {field for field, _ in problems} == {"submitted_at", "organisation.talent_count", "maturity.level"}


def test_all_catalogue_problems_are_reported_at_once(policy, passing_application):
    passing_application["scenarios"][0]["id"] = "SC99"
    passing_application["kpis"]["K99"] = {"value": 1}
    passing_application["kpis"]["K09"]["before"] = 120
    problems = problems_of(policy, passing_application)
    assert len(problems) == 3
    assert {field for field, _ in problems} == {"scenarios[0].id", "kpis.K99", "kpis.K09.before"}


def test_schema_and_catalogue_problems_are_reported_together(policy, passing_application):
    passing_application["organisation"]["talent_count"] = "14"  # schema
    passing_application["scenarios"][0]["id"] = "SC99"  # catalogue
    passing_application["kpis"]["K09"]["before"] = 120  # KPI input
    problems = problems_of(policy, passing_application)
    assert {field for field, _ in problems} == {"organisation.talent_count", "scenarios[0].id", "kpis.K09.before"}


def test_error_text_lists_field_and_message(policy, passing_application):
    passing_application["maturity"]["level"] = 6
    with pytest.raises(InterchangeError) as caught:
        validate(passing_application, policy)
    assert str(caught.value) == "maturity.level：6 不能大于 5"


@pytest.mark.parametrize("submitted_at", [
    "2026-03-10T10:30:00+08:00", "2026-03-10 10:30:00+08:00", "2026-03-10T10:30+08:00",
    "2026-03-10T02:30:00Z", "2026-03-10T10:30:00.5+0800", "2026-03-09T21:30:00-05:00",
])
def test_accepted_submission_time_forms(policy, passing_application, submitted_at):
    passing_application["submitted_at"] = submitted_at
    verdict = evaluate(policy, passing_application)
    assert verdict.finding("申报时间").result == "pass"


def test_null_kpi_input_means_not_yet_given(policy, passing_application):
    passing_application["kpis"]["K09"]["after"] = None
    assert validate(passing_application, policy) is passing_application


# --- the published JSON Schema and the examples ------------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema()["properties"]["format"]["const"] == FORMAT


EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


def test_there_are_passing_and_failing_examples():
    names = {path.name for path in EXAMPLES}
    assert "passing-basic.json" in names
    assert len([n for n in names if n.startswith("failing-")]) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_against_the_schema(policy, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(document)] == []
    assert validate(document, policy) is document  # and the checks beyond the schema


# --- reading files ----------------------------------------------------------------------------------

def test_read_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(InterchangeError) as caught:
        read_document(path)
    (field, message), = caught.value.problems
    assert field == "（文件）" and str(path) in message and "找不到文件" in message


def test_read_malformed_json_gives_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "tidu.application/1",\n  "scope" "车间级"\n}\n', encoding="utf-8")
    with pytest.raises(InterchangeError) as caught:
        read_document(path)
    (field, message), = caught.value.problems
    assert field == "（文件）" and "不是有效的 JSON：第 3 行" in message


def test_read_non_utf8_file(tmp_path):
    path = tmp_path / "gbk.json"
    path.write_bytes('{"format": "天门"}'.encode("gbk"))
    with pytest.raises(InterchangeError) as caught:
        read_document(path)
    assert "无法读取文件" in caught.value.problems[0][1]


def test_read_good_file(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text('{"format": "tidu.application/1"}', encoding="utf-8")
    assert read_document(path) == {"format": "tidu.application/1"}


# --- bounds on documents from outside -------------------------------------------------------------------

def test_deeply_nested_json_is_refused_with_a_chinese_message(tmp_path):
    from tidu.eligibility.interchange import InterchangeError, read_document

    path = tmp_path / "deep.json"
    path.write_text('{"format": "tidu.application/1", "x": ' + "[" * 1200 + "]" * 1200 + "}", encoding="utf-8")
    with pytest.raises(InterchangeError) as caught:
        read_document(path)
    assert "嵌套层数过多（1201 层，最多 32 层）" in str(caught.value)


def test_brackets_inside_strings_do_not_count_as_nesting():
    from tidu.eligibility.interchange import parse_document

    text = '{"description": "' + "[[[{{{" * 100 + '\\"]]]"}'
    assert parse_document(text)["description"].startswith("[[[{{{")


@pytest.mark.parametrize("literal", ["1" * 5000, "-" + "9" * 16, "1" * 16])
def test_huge_integers_are_refused_with_a_chinese_message(literal):
    from tidu.eligibility.interchange import InterchangeError, parse_document

    with pytest.raises(InterchangeError, match="超过 15 位"):
        parse_document('{"kpis": {"K01": {"output": ' + literal + "}}}")


def test_ordinary_figures_still_parse():
    from tidu.eligibility.interchange import parse_document

    assert parse_document('{"a": 123456789012345, "b": -2.5e3}') == {"a": 123456789012345, "b": -2500.0}


def test_non_finite_floats_are_refused():
    from tidu.eligibility.interchange import InterchangeError, parse_document

    with pytest.raises(InterchangeError, match="超出范围"):
        parse_document('{"a": 1e999}')
