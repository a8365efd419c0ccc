"""The application interchange format (tidu.application/1): reading and validating it.

The JSON Schema in ``schema/application.schema.json`` is the published contract; this module adds
the checks a schema cannot make (catalogue ids, KPI inputs, real calendar dates) and reports every
problem at once, in Chinese, naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tidu.core.errors import TiduError
from tidu.core.schema_errors import describe_all
from tidu.core.text import control_character_paths
from tidu.eligibility.kpi import KpiResult, compute_kpi
from tidu.policy.call_policy import CallPolicy

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "application.schema.json"
FORMAT = "tidu.application/1"


class InterchangeError(TiduError):
    """An application document that cannot be judged; ``problems`` lists (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("；".join(f"{field}：{message}" for field, message in problems))


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


# Bounds on what a document may contain before it is even parsed: no real application nests deeper than a
# few levels or carries a figure of more than 15 digits (万元 amounts included). Beyond them the standard
# parser either overflows the stack (RecursionError) or refuses the number with an English ValueError.
MAX_NESTING = 32
MAX_INTEGER_DIGITS = 15


def read_document(path: Path | str) -> Any:
    """Read a JSON file; unreadable, malformed or out-of-bounds files raise InterchangeError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InterchangeError([("（文件）", f"找不到文件 {path}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InterchangeError([("（文件）", f"无法读取文件 {path}：{exc}")]) from exc
    return parse_document(text)


def parse_document(text: str) -> Any:
    """Parse JSON text received from outside (file, API, import) within the bounds above."""
    depth = _max_nesting(text)
    if depth > MAX_NESTING:
        raise InterchangeError([("（文件）", f"JSON 嵌套层数过多（{depth} 层，最多 {MAX_NESTING} 层），不是申报数据")])
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise InterchangeError([("（文件）", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")]) from exc
    # NUL, other C0 controls, lone surrogates (\ud800 escapes) and bidi overrides: refused like in any form.
    places = control_character_paths(document)
    if places:
        raise InterchangeError([(_json_path(path), "含有不可见的控制字符（NUL、换页符、单独的代理码位或文字方向控制符），"
                                                  "请删除后再导入") for path in places])
    return document


def _json_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "（顶层）"


def _refuse_constant(name: str):
    raise json.JSONDecodeError(f"不接受 {name}（不是有效数字）", name, 0)


def _bounded_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise InterchangeError([("（文件）", f"数字 {literal[:20]}… 有 {digits} 位，超过 {MAX_INTEGER_DIGITS} 位，"
                                         "不是有效的申报数据")])
    return int(literal)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if value != value or value in (float("inf"), float("-inf")):
        raise InterchangeError([("（文件）", f"数字 {literal[:20]} 超出范围，不是有效的申报数据")])
    return value


def _max_nesting(text: str) -> int:
    """The deepest nesting of arrays/objects in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


# Submission times outside these years are typing mistakes; they also keep timezone arithmetic in range.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def parse_submitted_at(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError("year out of range")
    return moment


def validate(document: Any, policy: CallPolicy, *, schema: bool = True) -> dict[str, Any]:
    """Return the document when it can be judged under ``policy``; raise InterchangeError listing every problem.

    ``schema=False`` skips the JSON-schema check (for documents the project built itself, not for input).
    """
    return checked(document, policy, schema=schema)[0]


def checked(document: Any, policy: CallPolicy, *, schema: bool = True
            ) -> tuple[dict[str, Any], dict[str, KpiResult], dt.datetime | None]:
    """``validate``, also returning what it computed from the document, which the engine reuses instead of
    computing it a second time: the KPIs from the document's inputs (KPI id → result) and the submission time
    parsed (None when the document has none as text)."""
    if not isinstance(document, dict):
        raise InterchangeError([("（顶层）", "申报数据应为 JSON 对象")])
    schema_problems = describe_all(_validator().iter_errors(document)) if schema else []
    problems: list[tuple[str, str]] = []
    # The checks below also run on a document with schema errors, so that every problem is reported at once;
    # each one looks only at parts that have the right shape.
    if isinstance(document.get("call"), str) and document["call"] != policy.code:
        problems.append(("call", f"本数据属于批次 {document['call']!r}，不是 {policy.code!r}"))
    if isinstance(document.get("tier"), str) and policy.find_tier(document["tier"]) is None:
        names = "、".join(t["name"] for t in policy.tier_map.values())
        problems.append(("tier", f"未知的申报等级 {document['tier']!r}，应为 {names} 之一"))
    submitted_at = None
    if isinstance(document.get("submitted_at"), str):
        try:
            submitted_at = parse_submitted_at(document["submitted_at"])
        except ValueError:
            problems.append(("submitted_at", f"{document['submitted_at']!r} 不是有效的带时区时间"
                                             f"（年份须在 {EARLIEST_YEAR}–{LATEST_YEAR} 之间）"))

    scenarios = document.get("scenarios")
    seen: set[str] = set()
    for index, scenario in enumerate(scenarios if isinstance(scenarios, list) else []):
        scenario_id = scenario.get("id") if isinstance(scenario, dict) else None
        if not isinstance(scenario_id, str):
            continue
        if scenario_id not in policy.scenario_map:
            problems.append((f"scenarios[{index}].id", f"场景目录中没有编号 {scenario_id}"))
        elif scenario_id in seen:
            problems.append((f"scenarios[{index}].id", f"场景 {scenario_id} 重复填报"))
        seen.add(scenario_id)

    kpis = document.get("kpis")
    kpi_map, computed = policy.kpi_map, {}
    for kpi_id, inputs in (kpis.items() if isinstance(kpis, dict) else []):
        if kpi_id not in kpi_map:
            problems.append((f"kpis.{kpi_id}", "指标目录中没有该指标编号"))
            continue
        if not isinstance(inputs, dict):
            continue
        result = computed[kpi_id] = compute_kpi(kpi_map[kpi_id], inputs)
        if result.problems:
            problems.extend((problem.field, problem.message) for problem in result.problems)

    if not problems and not schema_problems:
        return document, computed, submitted_at
    # A field the schema already faulted is not reported a second time by the checks above.
    faulted = [field for field, _ in schema_problems]
    problems = schema_problems + [(field, message) for field, message in problems
                                  if not any(_same_or_nested(field, other) for other in faulted)]
    if problems:
        raise InterchangeError(problems)
    return document, computed, submitted_at


def _same_or_nested(field: str, other: str) -> bool:
    return field == other or field.startswith(other + ".") or field.startswith(other + "[")
