"""`tidu evaluate`, run as a user runs it: a separate process, its exit status, stdout and stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_DIR = REPO_ROOT / "tidu" / "eligibility" / "examples"
PASSING = EXAMPLES_DIR / "passing-basic.json"


@cache
def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tidu.settings", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "tidu.cli", "evaluate", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def run(*args) -> subprocess.CompletedProcess:
    return _run(*(str(a) for a in args))


def run_json(*args) -> tuple[int, dict]:
    done = run(*args, "--format", "json")
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Input files the tests share (written once per module)."""
    directory = tmp_path_factory.mktemp("evaluate")
    document = json.loads(PASSING.read_text(encoding="utf-8"))
    files = {
        "missing": directory / "没有这个文件.json",
        "malformed": directory / "broken.json",
        "invalid": directory / "invalid.json",
        "draft": directory / "draft.json",
        "year1": directory / "year1.json",
        "deep": directory / "deep.json",
        "huge": directory / "huge.json",
    }
    files["deep"].write_text('{"format": "tidu.application/1", "kpis": ' + "[" * 1200 + "]" * 1200 + "}",
                             encoding="utf-8")
    files["huge"].write_text(json.dumps(document, ensure_ascii=False).replace(
        '"format"', '"main_business_revenue_10k_yuan": ' + "9" * 5000 + ', "format"', 1), encoding="utf-8")
    files["malformed"].write_text('{\n  "format": "tidu.application/1",\n  "scope": "车间级",\n}\n', encoding="utf-8")
    files["invalid"].write_text(json.dumps({**document, "submitted_at": "2026-03-10T10:00:00"}, ensure_ascii=False),
                                encoding="utf-8")
    files["draft"].write_text('{"format": "tidu.application/1"}', encoding="utf-8")
    files["year1"].write_text(json.dumps({**document, "submitted_at": "0001-01-01T00:00:00+08:00"},
                                         ensure_ascii=False), encoding="utf-8")
    return files


@pytest.fixture(scope="module", autouse=True)
def _prelaunch(inputs):
    """Each run starts Django (about a second): start every run the tests make at once, in parallel."""
    runs = [(PASSING,), (PASSING, "--tier", "先进级", "--format", "json"),
            (PASSING, "--tier", "超级"), (EXAMPLES_DIR / "failing-outside-region.json",),
            *((EXAMPLES_DIR / name, "--format", "json") for name in EXAMPLE_RESULTS),
            (inputs["missing"],), (inputs["missing"], "--format", "json"), (inputs["malformed"],),
            (inputs["invalid"],), (inputs["invalid"], "--format", "json"), (inputs["draft"], "--format", "json"),
            (inputs["year1"],)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(lambda args: run(*args), runs))


def readme_exit_codes() -> dict[str, int]:
    """examples/README.md: one line per example, ending in its expected exit code."""
    text = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    return {m[1]: int(m[2]) for m in re.finditer(r"^- `([^`]+\.json)` — .*退出码 ([0-2])$", text, re.MULTILINE)}


# What each example changes in the passing example, and so which clauses must not pass.
EXAMPLE_RESULTS = {
    "passing-basic.json": ("eligible", {}),
    "failing-outside-region.json": ("ineligible", {"申报条件1": "fail"}),
    "failing-fatal-accident.json": ("ineligible", {"申报条件4": "fail"}),
    "failing-no-production-coverage.json": ("ineligible", {"申报条件2": "fail", "建设内容-基础级": "fail"}),
    "failing-maturity-level1.json": ("ineligible", {"申报条件1": "fail", "申报条件7": "fail", "基础要求5": "fail"}),
    "failing-late-submission.json": ("ineligible", {"申报时间": "fail"}),
    "needs-review-branch-other-industry.json": ("needs_review", {"申报条件1": "review"}),
}


def test_every_example_is_described_in_the_readme():
    on_disk = {path.name for path in EXAMPLES_DIR.glob("*.json")}
    assert set(readme_exit_codes()) == on_disk == set(EXAMPLE_RESULTS)


def test_passing_example_text_output():
    done = run(PASSING)
    assert done.returncode == 0, done.stderr
    assert "结论：符合申报条件（符合申报条件：是；达到基础级要素条件：是）" in done.stdout
    assert len(re.findall(r"^✔ ", done.stdout, re.MULTILINE)) == 16
    assert "✔ 申报条件4［符合］" in done.stdout
    assert "    原文：2026年1月22日-3月15日" in done.stdout
    assert "产品不良率下降：54.17%" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("name", sorted(EXAMPLE_RESULTS), ids=str)
def test_example_exit_code_and_findings(name):
    expected_code = readme_exit_codes()[name]
    outcome, not_passing = EXAMPLE_RESULTS[name]

    code, verdict = run_json(EXAMPLES_DIR / name)
    assert code == expected_code
    assert verdict["outcome"] == outcome
    results = {f["clause"]: f["result"] for f in verdict["findings"]}
    assert results == {clause: not_passing.get(clause, "pass") for clause in results}


def test_failing_example_text_output():
    done = run(EXAMPLES_DIR / "failing-outside-region.json")
    assert done.returncode == 1
    assert "结论：不符合申报条件（符合申报条件：否；达到基础级要素条件：是）" in done.stdout
    assert "✘ 申报条件1［不符合］" in done.stdout and "“湖北省武汉市”" in done.stdout
    assert len(re.findall(r"^✔ ", done.stdout, re.MULTILINE)) == 15


def test_fatal_accident_example_explains_the_stricter_notice():
    code, verdict = run_json(EXAMPLES_DIR / "failing-fatal-accident.json")
    findings = {f["clause"]: f for f in verdict["findings"]}
    assert "亡人事故 1 起（2025-06-12）" in findings["申报条件4"]["message"]
    assert findings["基础要求2"]["result"] == "pass"
    assert verdict["eligible"] is False and verdict["tier_met"] is True


def test_json_output_shape():
    code, verdict = run_json(PASSING)
    assert code == 0
    assert verdict["eligible"] is True and verdict["tier_met"] is True
    assert verdict["outcome"] == "eligible" and verdict["outcome_label"] == "符合申报条件"
    assert len(verdict["findings"]) == 16
    first = verdict["findings"][0]
    assert set(first) >= {"clause", "result", "message", "clause_text", "source", "checks"}
    assert first["clause"] == "申报条件1"
    assert verdict["kpis"]["K09"]["value"] == 54.17
    assert verdict["policy_versions"]["call"] == "call-tianmen-2026-basic@2026.4"


def test_advanced_tier_on_the_passing_example_lacks_operations_management():
    code, verdict = run_json(PASSING, "--tier", "先进级")
    assert code == 1
    assert verdict["tier"] == "advanced" and verdict["tier_met"] is False
    coverage = next(f for f in verdict["findings"] if f["clause"] == "建设内容-先进级")
    assert coverage["result"] == "fail"
    assert "未覆盖运营管理环节" in coverage["message"]
    assert [f["clause"] for f in verdict["findings"][-2:]] == ["建设内容-先进级", "建设成效-先进级"]


def test_nonexistent_file(inputs):
    path = inputs["missing"]
    done = run(path)
    assert done.returncode == 2
    assert str(path) in done.stderr and "找不到文件" in done.stderr
    assert done.stdout == ""


def test_nonexistent_file_as_json(inputs):
    path = inputs["missing"]
    done = run(path, "--format", "json")
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert error["error"] == "invalid_input"
    assert str(path) in error["problems"][0]["message"]


def test_malformed_json(inputs):
    done = run(inputs["malformed"])
    assert done.returncode == 2
    assert "不是有效的 JSON：第 4 行" in done.stderr
    assert "无法判定" in done.stderr


def test_schema_invalid_document_names_the_field(inputs):
    done = run(inputs["invalid"])
    assert done.returncode == 2
    assert "submitted_at：" in done.stderr and "时区" in done.stderr
    assert done.stdout == ""


def test_schema_invalid_document_as_json(inputs):
    done = run(inputs["invalid"], "--format", "json")
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert error["error"] == "invalid_input"
    assert [p["field"] for p in error["problems"]] == ["submitted_at"]
    assert "时区" in error["problems"][0]["message"]


def test_unknown_tier_option():
    done = run(PASSING, "--tier", "超级")
    assert done.returncode == 2
    assert "tier：未知的申报等级 '超级'" in done.stderr


def test_draft_is_incomplete_not_failed(inputs):
    code, verdict = run_json(inputs["draft"])
    assert code == 1
    assert verdict["outcome"] == "incomplete"
    assert {f["result"] for f in verdict["findings"]} == {"missing"}


def test_extreme_submission_year_is_refused_with_exit_2(inputs):
    done = run(inputs["year1"])
    assert "Traceback" not in done.stderr
    assert done.returncode in (1, 2)


@pytest.mark.parametrize(("name", "message"), [("deep", "嵌套层数过多"), ("huge", "超过 15 位")])
def test_deep_nesting_and_huge_integers_exit_2_with_a_message(inputs, name, message):
    """They used to crash with a traceback (RecursionError, ValueError) and exit 1."""
    done = run(inputs[name])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and message in done.stderr
    code, payload = run_json(inputs[name])
    assert code == 2 and payload["error"] == "invalid_input" and message in payload["problems"][0]["message"]
