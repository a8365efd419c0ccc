"""KPI calculator: computes the reference KPIs from their inputs (plain Python, no Django).

The formula for each KPI is named in the KPI pack (``ratio``, ``increase``, ``decrease``, ``count``,
``reuse_ratio``); this module implements those kinds once, so a new KPI needs only data.
Impossible inputs are refused with a Chinese message naming the input, never silently computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tidu.core.sentences import chinese, items, sentence
from tidu.core.sentences import gettext_noop as N
from tidu.eligibility.findings import direct_init
from tidu.policy.loader import FORMULA_INPUTS


@direct_init
@dataclass(frozen=True)
class KpiProblem:
    kpi_id: str
    input_key: str | None
    message: str  # in Chinese; ``msg`` is its source (tidu.core.sentences), shown in the reader's language
    msg: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def field(self) -> str:
        return f"kpis.{self.kpi_id}" + (f".{self.input_key}" if self.input_key else "")


@direct_init
@dataclass(frozen=True)
class KpiResult:
    kpi_id: str
    name: str
    unit: str
    value: float | None  # None when inputs are missing or invalid
    missing: tuple[str, ...] = ()
    problems: tuple[KpiProblem, ...] = field(default_factory=tuple)

    @property
    def status(self) -> str:
        if self.problems:
            return "invalid"
        return "missing" if self.value is None else "computed"

    @property
    def row(self) -> dict[str, Any]:
        """This result as a verdict's KPI table lists it, built once per result: the result of a KPI given no input
        is one object shared by every evaluation (most of a table's 20 rows), so is its row. Read-only."""
        row = self.__dict__.get("_row")
        if row is None:
            row = self.__dict__["_row"] = {"name": self.name, "unit": self.unit, "value": self.value,
                                           "status": self.status, "missing_inputs": list(self.missing)}
        return row

    def display(self) -> str:
        if self.value is None:
            return "—"
        number = f"{self.value:.0f}" if self.unit in ("个", "家") else f"{self.value:.2f}"
        return f"{number}{self.unit}"


# No real KPI input comes near this; larger numbers are typing mistakes (extra zeros, wrong unit).
MAX_INPUT = 1e12
# A change rate beyond this comes from a baseline typed far too small, not from a real improvement.
MAX_RESULT = 1e9


_CENT = Decimal("0.01")


def _round(value: float) -> float:
    """``value`` to two decimals, half up (away from zero), as its shortest decimal form (``repr``) reads: 1.005 →
    1.01, though the float is a little below 1.005."""
    # The hundredths of the decimal form and of value * 100 differ by far less than 1e-9 of the value (both are
    # within a few units in the last place of it), so away from a half the hundredth is read from value * 100
    # directly: integer division by 100 gives the float nearest to k/100, which float("<k/100 written out>") also
    # is. Near a half (0.125, 1.005, 2.675), or beyond the range where that margin holds, the decimal form decides.
    shifted = abs(value) * 100
    if shifted < 1e15:
        whole = int(shifted)
        fraction = shifted - whole
        if abs(fraction - 0.5) > 1e-9 * (shifted + 1):
            return math.copysign((whole + (fraction > 0.5)) / 100, value)
    return _round_decimal(value)


def _round_decimal(value: float) -> float:
    return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def _problem(kpi_id: str, input_key: str | None, msgid: str, /, **params: Any) -> KpiProblem:
    """A problem worded by a Chinese msgid (marked with gettext_noop) and its values: Chinese text and source."""
    source = sentence(msgid, **params)
    return KpiProblem(kpi_id, input_key, chinese(source), source)


def _check_input(kpi: dict[str, Any], spec: dict[str, Any], raw: Any) -> tuple[float | None, KpiProblem | None]:
    kind = spec["kind"]
    if (raw.__class__ is int or raw.__class__ is float) and 0 <= raw <= MAX_INPUT and (kind != "rate" or raw <= 100) \
            and (kind != "count" or float(raw).is_integer()):
        return float(raw), None  # the usual case, a valid figure; each refusal below says what is wrong
    kpi_id, key = kpi["id"], spec["key"]
    names = {"kpi": kpi["name"], "input": spec["name"]}  # policy terms: shown as written
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”应为数字，实际为 %(raw)s"), **names, raw=repr(raw))
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”不是有效数字"), **names)
    if abs(value) > MAX_INPUT:
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”数值过大（%(raw)s），请核对单位与位数"), **names, raw=str(raw))
    if value < 0:
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”不能为负数（填写了 %(raw)s）"), **names, raw=str(raw))
    if spec["kind"] == "count" and not value.is_integer():
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”是个数，应为整数（填写了 %(raw)s）"), **names, raw=str(raw))
    if spec["kind"] == "rate" and value > 100:
        return None, _problem(kpi_id, key, N("%(kpi)s的“%(input)s”是百分比，不能超过 100%%（填写了 %(raw)s）"), **names,
                              raw=str(raw))
    return value, None


# Per KPI definition (a pack's dicts, never changed once loaded): its input specs by key, its result when no
# input is given (every input missing), and per input what a valid figure is (see _bounds). Keyed by id() with
# the definition itself kept, so an id is never reused.
_DEFINITIONS: dict[int, tuple[dict[str, Any], dict[str, dict[str, Any]], KpiResult, tuple]] = {}


def _bounds(spec: dict[str, Any]) -> tuple[str, dict[str, Any], float, bool]:
    """(key, spec, largest valid figure, whether it must be whole): what _check_input accepts without a problem."""
    return spec["key"], spec, 100 if spec["kind"] == "rate" else MAX_INPUT, spec["kind"] == "count"


def _definition(kpi: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], KpiResult]:
    known = _definition_of(kpi)
    return known[1], known[2]


def _definition_of(kpi: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]], KpiResult, tuple]:
    known = _DEFINITIONS.get(id(kpi))
    if known is None or known[0] is not kpi:
        specs = {spec["key"]: spec for spec in kpi["inputs"]}
        empty = KpiResult(kpi_id=kpi["id"], name=kpi["name"], unit=kpi["unit"], value=None, missing=tuple(specs))
        if len(_DEFINITIONS) > 10_000:  # packs reloaded many times in one process (tests): start again
            _DEFINITIONS.clear()
        known = _DEFINITIONS[id(kpi)] = (kpi, specs, empty, tuple(_bounds(spec) for spec in specs.values()))
    return known


def compute_kpi(kpi: dict[str, Any], inputs: dict[str, Any] | None) -> KpiResult:
    """Compute one KPI. ``inputs`` maps the pack's input keys to numbers; absent or None means not yet given."""
    _, specs, empty, fields = _definition_of(kpi)
    if not inputs:
        return empty  # frozen: shared by every evaluation that gives this KPI no input
    kpi_id, name, unit = kpi["id"], kpi["name"], kpi["unit"]
    problems = [] if inputs.keys() <= specs.keys() else [
        _problem(kpi_id, key, N("%(kpi)s没有名为 %(key)s 的输入项（可用：%(known)s）"), kpi=name, key=repr(key),
                 known=items(specs))
        for key in inputs if key not in specs]
    values: dict[str, float] = {}
    missing = []
    for key, spec, largest, whole in fields:
        raw = inputs.get(key)
        if raw is None:
            missing.append(key)
        elif (raw.__class__ is int or raw.__class__ is float) and 0 <= raw <= largest \
                and (not whole or float(raw).is_integer()):
            values[key] = float(raw)  # a valid figure (the usual case): _check_input's first test, inline
        else:
            value, problem = _check_input(kpi, spec, raw)
            if problem:
                problems.append(problem)
            else:
                values[key] = value
    if problems:
        return KpiResult(kpi_id, name, unit, None, tuple(missing), tuple(problems))
    if missing:
        return KpiResult(kpi_id, name, unit, None, tuple(missing), ())

    value, problem = _apply_formula(kpi, specs, values)
    if problem is None and not (math.isfinite(value) and abs(value) <= MAX_RESULT):
        first = next(iter(specs))
        problem = _problem(kpi_id, first, N("%(kpi)s的计算结果异常（%(value)s），请核对基期值与单位"), kpi=name,
                           value=f"{value:g}")
    if problem:
        return KpiResult(kpi_id, name, unit, None, problems=(problem,))
    return KpiResult(kpi_id, name, unit, _round(value), (), ())


def _apply_formula(kpi, specs, v) -> tuple[float, KpiProblem | None]:
    formula, name = kpi["formula"], kpi["name"]
    if formula == "count":
        return v["value"], None
    if formula == "ratio":
        if v["whole"] == 0:
            return 0, _problem(kpi["id"], "whole", N("%(kpi)s的“%(input)s”为 0，无法计算比例"), kpi=name,
                               input=specs["whole"]["name"])
        if v["part"] > v["whole"]:
            return 0, _problem(kpi["id"], "part", N("%(kpi)s的“%(part)s”（%(part_value)s）不能大于“%(whole)s”（%(whole_value)s）"),
                               kpi=name, part=specs["part"]["name"], part_value=_num(v["part"]),
                               whole=specs["whole"]["name"], whole_value=_num(v["whole"]))
        return v["part"] / v["whole"] * 100, None
    if formula in ("increase", "decrease"):
        if v["before"] == 0:
            return 0, _problem(kpi["id"], "before", N("%(kpi)s的“%(input)s”（基期值）为 0，无法计算变化率"), kpi=name,
                               input=specs["before"]["name"])
        change = (v["after"] - v["before"]) if formula == "increase" else (v["before"] - v["after"])
        return change / v["before"] * 100, None
    if formula == "reuse_ratio":
        total = v["reused"] + v["fresh"]
        if total == 0:
            return 0, _problem(kpi["id"], "reused", N("%(kpi)s的重复利用水量与新鲜取水量均为 0，无法计算"), kpi=name)
        return v["reused"] / total * 100, None
    raise ValueError(f"unknown formula kind {formula!r} (known: {', '.join(FORMULA_INPUTS)})")


def _num(value: float) -> str:
    return f"{value:g}"


# Per KPI map (a policy's ``kpi_map``, never changed once loaded): every KPI's result and table row when it is given
# no input, in the pack's order (most KPIs of an application: 17 of 20 in the examples).
_PLANS: dict[int, tuple[dict[str, dict[str, Any]], dict[str, KpiResult], dict[str, dict[str, Any]]]] = {}


def _plan(kpi_definitions: dict[str, dict[str, Any]]) -> tuple[dict[str, KpiResult], dict[str, dict[str, Any]]]:
    known = _PLANS.get(id(kpi_definitions))
    if known is None or known[0] is not kpi_definitions:
        if len(_PLANS) > 1_000:  # maps built many times in one process (tests): start again
            _PLANS.clear()
        empty = {kpi_id: _definition(kpi)[1] for kpi_id, kpi in kpi_definitions.items()}
        known = _PLANS[id(kpi_definitions)] = (kpi_definitions, empty, {k: r.row for k, r in empty.items()})
    return known[1], known[2]


def compute_all(kpi_definitions: dict[str, dict[str, Any]], kpi_inputs: dict[str, Any] | None,
                known: dict[str, KpiResult] | None = None) -> dict[str, KpiResult]:
    """Compute every KPI of a pack; KPIs with no inputs come back as missing. ``known``: results already computed
    for these same inputs (the document's check computes the KPIs it is given), reused as they are."""
    known = known or {}
    results = dict(_plan(kpi_definitions)[0])  # every KPI missing, in the pack's order; then those given inputs
    for kpi_id, inputs in (kpi_inputs or {}).items():
        if inputs and kpi_id in results:
            result = known.get(kpi_id)
            results[kpi_id] = result if result is not None else compute_kpi(kpi_definitions[kpi_id], inputs)
    return results


def table(kpi_definitions: dict[str, dict[str, Any]], kpi_inputs: dict[str, Any] | None,
          results: dict[str, KpiResult]) -> dict[str, dict[str, Any]]:
    """A verdict's KPI table (KPI id → row, read-only) from ``compute_all``'s results for these inputs: the rows
    of KPIs given no input are the pack's own, built once."""
    rows = dict(_plan(kpi_definitions)[1])
    for kpi_id in kpi_inputs or {}:
        if kpi_id in rows:
            rows[kpi_id] = results[kpi_id].row
    return rows
