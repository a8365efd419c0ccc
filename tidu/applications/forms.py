"""Turning section forms into stored input and back, generically from the Section/Field definitions.

Nothing here decides a rule: ``parse_section`` only collects what was typed (strings, exactly as typed)
into the shape ``services.application_section_save`` stores, and ``bind_section`` pairs every field
with its typed value and the problem ``sections.clean_section`` found, so the page can show the
input untouched next to its message.

HTML names: a plain field is its own name (``employees``); a cell of a repeatable table is
``<field>-<row>-<column>`` (``accidents-0-date``); a KPI input is ``kpi-<KPI>-<input>`` (``kpi-K01-part``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from tidu.applications.sections import NO, YES, CleanResult, Field, Section, field_choices
from tidu.core.dates import date_local
from tidu.eligibility.kpi import KpiResult, compute_kpi

MAX_ROWS = 200  # more rows than any real application has; stops a hostile form from bloating a section
BLANK_ROWS = 3  # blank rows offered below the stored ones (the no-JS way to add rows)
_ROW_KEY = re.compile(r"^(?P<field>[a-z_]+)-(?P<index>\d{1,4})-(?P<column>[a-z_]+)$")
_KPI_KEY = re.compile(r"^kpi-(?P<kpi>K\d{2})-(?P<input>[a-z_]+)$")


# --- parsing a POST into stored input ----------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_section(section: Section, post, policy=None) -> dict[str, Any]:
    """What the user typed in one section, as the strings to store. Unknown keys are ignored."""
    if section.key == "kpis":
        return _parse_kpis(post, policy)
    data: dict[str, Any] = {}
    for spec in section.fields:
        if spec.kind == "rows":
            data[spec.name] = _parse_rows(spec, post)
        else:
            data[spec.name] = _text(post.get(spec.name, ""))
    return data


def _parse_rows(spec: Field, post) -> list[dict[str, str]]:
    cells: dict[int, dict[str, str]] = {}
    columns = {column.name for column in spec.columns}
    for key in post:
        match = _ROW_KEY.match(key)
        if not match or match["field"] != spec.name or match["column"] not in columns:
            continue
        cells.setdefault(int(match["index"]), {})[match["column"]] = _text(post.get(key))
    rows = [{column.name: cells[index].get(column.name, "") for column in spec.columns}
            for index in sorted(cells)][:MAX_ROWS]
    while rows and not any(value.strip() for value in rows[-1].values()):
        rows.pop()  # trailing blank rows are the empty lines the form offers, not answers
    return rows


def _parse_kpis(post, policy) -> dict[str, dict[str, str]]:
    known = {kpi_id: {spec["key"] for spec in kpi["inputs"]} for kpi_id, kpi in policy.kpi_map.items()} \
        if policy else {}
    data: dict[str, dict[str, str]] = {}
    for key in post:
        match = _KPI_KEY.match(key)
        if not match or match["input"] not in known.get(match["kpi"], ()):
            continue
        value = _text(post.get(key))
        if value.strip():
            data.setdefault(match["kpi"], {})[match["input"]] = value
    return {kpi_id: data[kpi_id] for kpi_id in sorted(data)}


def comparable(data: dict[str, Any] | None) -> dict[str, Any]:
    """Stored input without what the service adds on its own (who confirmed the attestation, when)."""
    return {k: v for k, v in (data or {}).items() if k not in ("confirmed_by", "confirmed_at")}


# --- binding stored/typed input to the form ----------------------------------------------------------

@dataclass
class BoundField:
    spec: Field
    html_name: str
    path: str  # the path clean_section uses for its messages
    value: str
    choices: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    missing: bool = False
    invalid_choice: bool = False  # the stored value is not one of the choices: kept and shown, never dropped
    is_rows = False

    @property
    def html_id(self) -> str:
        return f"id_{self.html_name}"

    @property
    def msg_id(self) -> str:
        return f"msg-{self.html_name}"

    @property
    def input_type(self) -> str:
        """Dates use the browser's date picker only when the stored text is a real date (else it would vanish)."""
        if self.spec.kind == "date":
            if not self.value:
                return "date"
            try:
                dt.date.fromisoformat(self.value)
            except ValueError:
                return "text"
            return "date" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.value) else "text"
        return "text"

    @property
    def inputmode(self) -> str:
        return {"integer": "numeric", "decimal": "decimal"}.get(self.spec.kind, "")

    @property
    def char_count(self) -> int:
        return len(self.value.strip())

    @property
    def is_checkbox(self) -> bool:
        return self.spec.kind == "yesno" and len(self.choices) == 1

    @property
    def display(self) -> str:
        """The value as a reader sees it (the choice's label rather than its code)."""
        if not self.value:
            return ""
        if self.spec.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.value.strip()):
            try:
                return date_local(self.value.strip())  # 2026年3月15日 / 15 Mar 2026
            except ValueError:
                return self.value
        return dict(self.choices).get(self.value, self.value)


@dataclass
class BoundRows:
    spec: Field
    rows: list[list[BoundField]]
    blank: list[list[BoundField]]  # blank rows offered for new entries
    template: list[BoundField]  # one row with the index placeholder, for the add-row button
    gate_open: bool
    message: str | None = None  # a problem with the table as a whole (said "有" but listed nothing)
    message_is_error: bool = False
    is_rows = True

    @property
    def html_name(self) -> str:
        return self.spec.name

    @property
    def msg_id(self) -> str:
        return f"msg-{self.spec.name}"

    @property
    def next_index(self) -> int:
        return len(self.rows) + len(self.blank)


@dataclass
class BoundKpi:
    kpi: dict[str, Any]
    inputs: list[BoundField]
    result: KpiResult
    problems: list[str] = field(default_factory=list)  # problems not tied to one input
    invalid: bool = False  # some input is not a number or the formula cannot be applied

    @property
    def status(self) -> str:
        return "invalid" if self.invalid else self.result.status

    @property
    def has_input(self) -> bool:
        return any(f.value.strip() for f in self.inputs)


def _problem(path: str, clean: CleanResult) -> tuple[str | None, bool]:
    return clean.errors.get(path), path in clean.missing


def _bind_value(spec: Field, html_name: str, path: str, raw: Any, clean: CleanResult,
                scenario_choices: tuple[tuple[str, str], ...]) -> BoundField:
    value = _text(raw)
    choices = field_choices(spec, scenario_choices)
    error, missing = _problem(path, clean)
    invalid = bool(choices) and bool(value.strip()) and value.strip() not in dict(choices)
    return BoundField(spec=spec, html_name=html_name, path=path, value=value, choices=choices, error=error,
                      missing=missing, invalid_choice=invalid)


def bind_section(section: Section, raw: dict[str, Any] | None, clean: CleanResult, policy=None,
                 blank_rows: int = BLANK_ROWS) -> list[BoundField | BoundRows]:
    """Every field of a (non-KPI) section with its typed value and its problem, in definition order."""
    raw = raw if isinstance(raw, dict) else {}
    scenario_choices = tuple((sid, f"{sid} {s['name']}") for sid, s in policy.scenario_map.items()) \
        if policy else ()
    bound: list[BoundField | BoundRows] = []
    for spec in section.fields:
        if spec.kind != "rows":
            bound.append(_bind_value(spec, spec.name, spec.name, raw.get(spec.name), clean, scenario_choices))
            continue
        stored = raw.get(spec.name) if isinstance(raw.get(spec.name), list) else []

        def row(index, values, spec=spec):
            values = values if isinstance(values, dict) else {}
            return [_bind_value(column, f"{spec.name}-{index}-{column.name}", f"{spec.name}[{index}].{column.name}",
                                values.get(column.name), clean, scenario_choices) for column in spec.columns]

        rows = [row(index, values) for index, values in enumerate(stored)]
        blank = [row(len(rows) + n, {}) for n in range(blank_rows)]
        template = row("__prefix__", {})
        error, missing = _problem(spec.name, clean)
        message = error or ("请至少填写一行" if missing else None)
        gate_open = True if not spec.gate else raw.get(spec.gate) == YES
        bound.append(BoundRows(spec=spec, rows=rows, blank=blank, template=template, gate_open=gate_open,
                               message=message, message_is_error=bool(error)))
    return bound


def bind_kpis(raw: dict[str, Any] | None, clean: CleanResult, catalogue: list[dict]) -> list[dict[str, Any]]:
    """KPI categories → KPIs, each with its inputs as typed and its value computed from the clean inputs."""
    raw = raw if isinstance(raw, dict) else {}
    categories = []
    for category in catalogue:
        kpis = []
        for kpi in category["kpis"]:
            given = raw.get(kpi["id"]) if isinstance(raw.get(kpi["id"]), dict) else {}
            inputs = []
            for spec in kpi["inputs"]:
                path = f"{kpi['id']}.{spec['key']}"
                field_spec = Field(spec["key"], spec["name"], "decimal", required=False, help=spec.get("unit", ""))
                inputs.append(BoundField(spec=field_spec, html_name=f"kpi-{kpi['id']}-{spec['key']}", path=path,
                                         value=_text(given.get(spec["key"])), error=clean.errors.get(path)))
            result = compute_kpi(kpi, clean.values.get(kpi["id"]))
            problems = [message for path, message in clean.errors.items()
                        if path.startswith(f"{kpi['id']}.") and path.split(".", 1)[1] not in
                        {spec["key"] for spec in kpi["inputs"]}]
            invalid = any(path.startswith(f"{kpi['id']}.") for path in clean.errors)
            kpis.append(BoundKpi(kpi=kpi, inputs=inputs, result=result, problems=problems, invalid=invalid))
        categories.append({**category, "bound": kpis})
    return categories


def grouped_scenarios(catalogue: list[dict]) -> list[dict[str, Any]]:
    """Scenario options as optgroups: one group per 建设领域 · 环节, in the catalogue's order."""
    groups = []
    for domain in catalogue:
        for link in domain["links"]:
            if link["scenarios"]:
                groups.append({"label": f"{domain['name']} · {link['name']}", "scenarios": link["scenarios"]})
    return groups


def yes_no_label(value: str) -> str:
    return {YES: "是", NO: "否"}.get(value, value)
