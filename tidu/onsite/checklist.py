"""The on-site checklist, generated from what the application claims.

One item per scenario built (its id, name and what was claimed), one per KPI reported with valid inputs
(the inputs and the computed value), and one per on-site item the call's clauses declare (``onsite`` in the call
pack: for the seed 已完成建设, 规上/营收, 安全可控, 组织机制与人才, 成熟度等级与报告编号, 建设范围). The claims are read from
the cleanly answered fields only (``sections.clean_section``), exactly what reviewers and the engine see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from tidu.applications.sections import SECTIONS, SECTIONS_BY_KEY, YES, clean_section
from tidu.core.dates import date_zh
from tidu.eligibility.kpi import compute_kpi
from tidu.policy.call_policy import CallPolicy

MISSING = "（未填报）"


@dataclass(frozen=True)
class ItemSpec:
    kind: str  # scenario | kpi | declaration (CheckItem.Kind values)
    key: str
    title: str
    claim: str


def _yn(value: Any) -> str:
    if value is None:
        return MISSING
    return "是" if value == YES else "否"


def _v(value: Any, suffix: str = "") -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value}{suffix}"


def _choice_label(section_key: str, field: str, value: Any) -> str:
    if value is None:
        return MISSING
    with translation.override(settings.LANGUAGE_CODE):  # the checklist is stored and printed in Chinese
        return str(dict(SECTIONS_BY_KEY[section_key].field(field).choices).get(str(value), str(value)))


def _declared_fields(clean: dict[str, dict[str, Any]], reads: list[str]) -> str:
    """What the application says for the fields a clause reads (section.field), one line each."""
    lines = []
    for path in reads:
        section_key, _sep, name = path.partition(".")
        spec = next((f for f in SECTIONS_BY_KEY[section_key].fields if f.name == name), None) \
            if section_key in SECTIONS_BY_KEY else None
        if spec is None or spec.kind == "rows":
            continue
        value = clean.get(section_key, {}).get(name)
        shown = _yn(value) if spec.kind == "yesno" else _choice_label(section_key, name, value) \
            if spec.kind == "choice" else _v(value)
        lines.append(f"{spec.label}：{shown}")
    return "\n".join(lines) or MISSING


def _declarations(clean: dict[str, dict[str, Any]], policy: CallPolicy) -> list[ItemSpec]:
    """One item per on-site item the call's clauses declare (``onsite``), in the clauses' order; an item the
    platform knows how to summarise gets that summary, any other shows the fields its clause reads."""
    basic, conditions, maturity = clean["basic"], clean["conditions"], clean["maturity"]
    scope, organisation, equipment = clean["scope"], clean["organisation"], clean["equipment"].get("equipment", [])
    domestic = sum(1 for row in equipment if row.get("origin") == "国产")
    secure = sum(1 for row in equipment if row.get("secure_controllable") == YES)
    claims = {
        "construction_completed": (
            f"申明已完成智能工厂建设：{_yn(conditions.get('construction_completed'))}\n"
            f"建设期：{_v(scope.get('start_date'))} 至 {_v(scope.get('end_date'))}"),
        "scale": (
            f"规模以上工业企业：{_yn(basic.get('above_designated_size'))}\n"
            f"上年度主营业务收入：{_v(basic.get('main_business_revenue_10k_yuan'), ' 万元')}\n"
            f"从业人数：{_v(basic.get('employees'), ' 人')}"),
        "security": (
            f"关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控："
            f"{_yn(conditions.get('secure_and_controllable'))}\n"
            f"网络安全和数据安全风险可控：{_yn(conditions.get('cyber_and_data_risk_controllable'))}\n"
            f"装备与软件清单 {len(equipment)} 项，其中国产 {domestic} 项、申明安全可控 {secure} 项"),
        "organisation": (
            f"已建立统筹规划、建设和运营的组织机制：{_yn(organisation.get('has_mechanism'))}\n"
            f"智能制造专业人才：{_v(organisation.get('talent_count'), ' 人')}\n"
            f"说明：{_v(organisation.get('description'))}"),
        "maturity": (
            f"自评估等级：{_choice_label('maturity', 'level', maturity.get('level'))}，"
            f"得分 {_v(maturity.get('score'))}\n"
            f"评估报告编号：{_v(maturity.get('report_number'))}（{date_zh(maturity.get('report_date')) or MISSING}）\n"
            f"自评估平台：{_v(maturity.get('platform'))}"),
        "scope": (
            f"建设范围：{_v(scope.get('scope'))}\n"
            f"项目名称：{_v(scope.get('project_name'))}；总投资 {_v(scope.get('total_investment_10k_yuan'), ' 万元')}\n"
            f"主要集成商/服务商：{_v(scope.get('integrators'))}"),
    }
    return [ItemSpec("declaration", item["item"], item["text"],
                     claims.get(item["item"]) or _declared_fields(clean, declaration["reads"]))
            for declaration in policy.condition_declarations for item in declaration["onsite"]]


def _scenarios(clean: dict[str, dict[str, Any]], policy: CallPolicy) -> list[ItemSpec]:
    items = []
    for row in clean["scenarios"].get("scenarios", []):
        scenario = policy.scenario_map.get(row["id"], {})
        link = policy.link_map.get(scenario.get("link"), {})
        lines = [f"所属环节：{link.get('name', MISSING)}",
                 f"建设内容：{_v(row.get('description'))}"]
        if row.get("equipment_software"):
            lines.append(f"应用的装备与软件：{row['equipment_software']}")
        lines.append(f"应用人工智能技术：{_yn(row.get('uses_ai'))}")
        items.append(ItemSpec("scenario", row["id"], f"{row['id']} {scenario.get('name', '')}".strip(),
                              "\n".join(lines)))
    return items


def _kpis(clean: dict[str, dict[str, Any]], policy: CallPolicy) -> list[ItemSpec]:
    items = []
    for kpi_id, inputs in clean["kpis"].items():
        kpi = policy.kpi_map[kpi_id]
        lines = [f"{spec['name']}：{_v(inputs.get(spec['key']))}{spec.get('unit', '')}"
                 for spec in kpi["inputs"] if spec["key"] in inputs]
        result = compute_kpi(kpi, inputs)
        lines.append(f"计算值：{result.display()}（{kpi.get('expression', '')}）".replace("（）", ""))
        items.append(ItemSpec("kpi", kpi_id, f"{kpi_id} {kpi['name']}", "\n".join(lines)))
    return items


def build_checklist(raw_sections: dict[str, dict[str, Any]], policy: CallPolicy) -> list[ItemSpec]:
    """The checklist for an application's stored sections (``services.section_raw``) under its call's policy."""
    clean = {spec.key: clean_section(spec, raw_sections.get(spec.key), policy).values for spec in SECTIONS}
    return [*_scenarios(clean, policy), *_kpis(clean, policy), *_declarations(clean, policy)]
