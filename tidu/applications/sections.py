"""The sections of the 申报书 and their fields, as data, with cleaning that never loses input.

What the user typed is stored as it was typed (strings); ``clean_section`` turns it into typed values
and a list of field problems. An invalid or empty field is simply absent from the clean values, so
the engine reports it as "missing", and the form shows the problem next to the untouched input.
Plain Python: the policy (scenario catalogue, KPIs) is passed in, no Django here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from tidu.eligibility.kpi import MAX_INPUT, compute_kpi
from tidu.enterprises import industries

SCENARIO_DESCRIPTION_MAX = 3000  # Older national calls capped each scenario description at 3,000 characters.
LONG_TEXT_MAX = 2000
YES, NO = "yes", "no"
YES_NO = ((YES, "是"), (NO, "否"))


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | textarea | integer | decimal | yesno | date | choice | rows
    required: bool = True
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    columns: tuple[Field, ...] = ()  # for kind "rows": the fields of one row
    help: str = ""
    # For "rows": the yes/no field that says whether there is anything to list (近三年有无…).
    gate: str | None = None
    # Shown read-only: the value comes from the confirmed enterprise registration, not from the form.
    registry: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...]
    intro: str = ""
    evidence_topics: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


EVENT_COLUMNS = (
    Field("date", "日期", "date"),
    Field("description", "情况说明", "text", max_length=500),
)
ACCIDENT_COLUMNS = (
    Field("date", "日期", "date"),
    Field("category", "类别", "choice", choices=(("安全", "安全"), ("环保", "环保"), ("其他", "其他"))),
    Field("severity", "等级", "choice",
          choices=(("一般", "一般"), ("较大", "较大"), ("重大", "重大"), ("特别重大", "特别重大"))),
    Field("fatalities", "死亡人数", "integer", min_value=0),
    Field("description", "情况说明", "text", required=False, max_length=500),
)
EQUIPMENT_COLUMNS = (
    Field("name", "名称", "text", max_length=200),
    Field("category", "类别", "choice", choices=tuple((c, c) for c in ("装备", "工业软件", "工业操作系统", "系统解决方案", "其他"))),
    Field("model", "型号/版本", "text", required=False, max_length=100),
    Field("vendor", "供应商", "text", required=False, max_length=200),
    Field("origin", "国产/进口", "choice", choices=(("国产", "国产"), ("进口", "进口"))),
    Field("secure_controllable", "安全可控", "yesno", choices=YES_NO),
)
SCENARIO_COLUMNS = (
    Field("id", "典型场景", "choice"),  # choices come from the call's scenario catalogue
    Field("description", "建设内容", "textarea", max_length=SCENARIO_DESCRIPTION_MAX,
          help=f"建设了什么、解决了什么问题、取得了什么效果，不超过 {SCENARIO_DESCRIPTION_MAX} 字"),
    Field("equipment_software", "应用的装备与软件", "textarea", required=False, max_length=LONG_TEXT_MAX),
    Field("uses_ai", "是否应用人工智能技术", "yesno", choices=YES_NO),
)

REGISTRY_HELP = "来自企业注册信息，不在此修改；如有变化，请向所属乡镇（办事处）申请变更登记"

SECTIONS: tuple[Section, ...] = (
    Section("basic", "基本信息", (
        Field("name", "企业名称", "text", max_length=200, registry=True,
              help=REGISTRY_HELP),
        Field("credit_code", "统一社会信用代码", "text", max_length=18, registry=True,
              help=REGISTRY_HELP),
        Field("registered_region", "登记注册地", "text", max_length=100, registry=True,
              help=REGISTRY_HELP),
        Field("legal_status", "法人类型", "choice",
              choices=(("legal_person", "独立法人"), ("branch", "法人的分支机构"))),
        Field("industry_code", "所属行业（GB/T 4754-2017 代码）", "text", max_length=5, registry=True,
              help=REGISTRY_HELP),
        Field("above_designated_size", "是否为规模以上工业企业", "yesno", choices=YES_NO),
        Field("main_business_revenue_10k_yuan", "上年度主营业务收入（万元）", "decimal", min_value=0),
        Field("employees", "从业人数", "integer", required=False, min_value=0),
        Field("competitiveness", "企业和产品市场竞争力", "textarea", max_length=LONG_TEXT_MAX,
              help="主导产品、市场占有率、行业地位等"),
        Field("contact_name", "联系人", "text", max_length=50),
        Field("contact_phone", "联系电话", "text", max_length=30),
    )),
    Section("conditions", "申报条件", (
        Field("construction_completed", "已完成智能工厂建设", "yesno", choices=YES_NO),
        Field("operations_and_finance_sound", "近三年经营和财务状况良好", "yesno", choices=YES_NO),
        Field("has_bad_credit_records", "近三年有无不良信用记录", "yesno", choices=(("yes", "有"), ("no", "无"))),
        Field("bad_credit_records", "不良信用记录", "rows", columns=EVENT_COLUMNS, gate="has_bad_credit_records"),
        Field("has_accidents", "近三年有无安全、环保等事故", "yesno", choices=(("yes", "有"), ("no", "无"))),
        Field("accidents", "事故", "rows", columns=ACCIDENT_COLUMNS, gate="has_accidents"),
        Field("has_violations", "近三年有无违法违规行为", "yesno", choices=(("yes", "有"), ("no", "无"))),
        Field("violations", "违法违规行为", "rows", columns=EVENT_COLUMNS, gate="has_violations"),
        Field("secure_and_controllable", "关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控", "yesno",
              choices=YES_NO),
        Field("cyber_and_data_risk_controllable", "网络安全和数据安全风险可控", "yesno", choices=YES_NO),
        Field("onsite_verification", "愿意配合现场核查", "yesno", choices=YES_NO),
        Field("technology_promotion", "愿意配合技术推广", "yesno", choices=YES_NO),
        Field("case_exchange", "愿意配合典型案例交流", "yesno", choices=YES_NO),
    ), intro="逐条申明并上传佐证材料；“近三年”自申报开始之日向前计算三年。"),
    Section("maturity", "成熟度自评估", (
        Field("level", "自评估等级", "choice", choices=tuple((str(n), f"{label}") for n, label in
                                                          ((1, "一级（规划级）"), (2, "二级（规范级）"), (3, "三级（集成级）"),
                                                           (4, "四级（优化级）"), (5, "五级（引领级）")))),
        Field("score", "自评估得分", "decimal", min_value=0, max_value=5),
        Field("report_number", "评估报告编号", "text", max_length=60),
        Field("report_date", "评估报告日期", "date"),
        Field("platform", "自评估平台", "text", max_length=100, help="须在“智能制造评估评价公共服务平台”开展"),
    )),
    Section("scope", "建设范围与项目概况", (
        Field("scope", "建设范围", "choice", choices=(("产线级", "产线级"), ("车间级", "车间级"), ("工厂级", "工厂级"))),
        Field("project_name", "智能工厂（项目）名称", "text", max_length=200),
        Field("start_date", "建设开始日期", "date"),
        Field("end_date", "建设完成日期", "date"),
        Field("total_investment_10k_yuan", "总投资（万元）", "decimal", min_value=0),
        Field("integrators", "主要系统集成商/服务商", "textarea", required=False, max_length=LONG_TEXT_MAX),
        Field("summary", "项目概况", "textarea", max_length=SCENARIO_DESCRIPTION_MAX),
    )),
    Section("scenarios", "场景建设", (
        Field("scenarios", "已建设的典型场景", "rows", columns=SCENARIO_COLUMNS),
    ), intro="从《智能制造典型场景参考指引（2025年版）》中选择已建成的场景；基础级至少覆盖生产作业环节。"),
    Section("equipment", "关键技术装备与工业软件清单", (
        Field("equipment", "清单", "rows", columns=EQUIPMENT_COLUMNS),
    )),
    Section("kpis", "关键绩效指标", (), intro="填写各指标的计算依据，系统按公式计算；不适用的指标可不填。"),
    Section("organisation", "组织机制与人才", (
        Field("has_mechanism", "已建立智能工厂统筹规划、建设和运营的组织机制", "yesno", choices=YES_NO),
        Field("description", "组织机制说明", "textarea", max_length=LONG_TEXT_MAX),
        Field("talent_count", "智能制造专业人才人数", "integer", min_value=0),
    )),
    Section("attestation", "真实性承诺", (
        Field("signer_name", "承诺人（法定代表人或授权人）姓名", "text", max_length=50),
        Field("confirmed", "本单位承诺所填内容及佐证材料真实、准确、完整，不涉及国家秘密和商业秘密，并愿意配合现场核查",
              "yesno", choices=(("yes", "我承诺"),)),
    )),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}
SECTION_KEYS = tuple(SECTIONS_BY_KEY)

# Steps whose fields are shown only when a clause of the call (or of its tier) declares that it reads them.
DECLARED_STEPS = ("conditions",)


def sections_for(policy) -> tuple[Section, ...]:
    """The sections as one call asks for them: the 申报条件 step holds the fields its clauses ``reads`` and one
    evidence slot per clause; a clause's ``uploads`` add slots to other steps (e.g. 自评估报告 in 成熟度自评估)."""
    if policy is None:
        return SECTIONS
    reads, slots = policy.reads, policy.evidence_slots
    out = []
    for section in SECTIONS:
        fields = section.fields
        if section.key in DECLARED_STEPS:
            fields = tuple(f for f in fields if f"{section.key}.{f.name}" in reads)
        out.append(replace(section, fields=fields, evidence_topics=slots.get(section.key, section.evidence_topics)))
    return tuple(out)


def section_for(key: str, policy) -> Section:
    return next(s for s in sections_for(policy) if s.key == key)


@dataclass
class CleanResult:
    values: dict[str, Any]
    errors: dict[str, str]  # field path (e.g. "accidents[0].date") → Chinese message
    missing: list[str]  # required fields not yet answered

    @property
    def complete(self) -> bool:
        return not self.errors and not self.missing


# Minus signs people type for "-" that NFKC leaves alone (U+FF0D 全角减号 is folded by NFKC itself).
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-"})


def normalise_number(text: str, *, percent: bool = False) -> str:
    """Full-width digits, ．, ％ and minus signs to ASCII; spaces and thousands separators removed.
    ``percent``: the field is in % (a trailing % is the unit, not part of the number)."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_MINUS_SIGNS)
    text = re.sub(r"[\s,]", "", text)
    if percent and text.endswith("%"):
        text = text[:-1]
    return text


_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def _clean_value(spec: Field, raw: Any, choices: tuple[tuple[str, str], ...]) -> tuple[Any, str | None]:
    """Return (value, error). Empty input returns (None, None)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    text = str(raw).strip()
    if spec.kind in ("text", "textarea"):
        if spec.max_length and len(text) > spec.max_length:
            return None, f"不能超过 {spec.max_length} 字（现有 {len(text)} 字）"
        return text, None
    if spec.kind in ("choice", "yesno"):
        allowed = dict(choices)
        if text not in allowed:
            return None, f"请从选项中选择（“{text}”无效）"
        return text, None
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS)).isoformat(), None
        except ValueError:
            return None, f"“{text}”不是有效日期，请按 年-月-日 填写，如 2025-12-18"
    if spec.kind in ("integer", "decimal"):
        try:
            number = Decimal(normalise_number(text))
        except InvalidOperation:
            return None, f"“{text}”不是数字"
        if not number.is_finite():
            return None, f"“{text}”不是有效数字"
        if abs(number) > Decimal(str(MAX_INPUT)):
            return None, f"数值过大（{text}），请核对单位与位数"
        if spec.kind == "integer" and number != number.to_integral_value():
            return None, f"应为整数（填写了 {text}）"
        if spec.min_value == 0 and number < 0:
            return None, f"{spec.label}不能为负数（填写了 {text}）"
        if spec.min_value is not None and number < Decimal(str(spec.min_value)):
            return None, f"{spec.label}不能小于 {spec.min_value:g}"
        if spec.max_value is not None and number > Decimal(str(spec.max_value)):
            return None, f"{spec.label}不能大于 {spec.max_value:g}"
        return (int(number) if spec.kind == "integer" else float(number)), None
    raise ValueError(f"unknown field kind {spec.kind!r}")


def field_choices(spec: Field, scenario_choices: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
    if spec.kind == "choice" and spec.name == "id" and not spec.choices:
        return scenario_choices
    return spec.choices


def clean_section(section: Section, raw: dict[str, Any] | None, policy=None) -> CleanResult:
    """Clean one section's stored input. ``policy`` (a CallPolicy) supplies scenario and KPI catalogues."""
    raw = raw if isinstance(raw, dict) else {}
    if section.key == "kpis":
        return _clean_kpis(raw, policy)
    scenario_choices = tuple((sid, f"{sid} {s['name']}") for sid, s in policy.scenario_map.items()) if policy else ()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    missing: list[str] = []
    for spec in section.fields:
        if spec.kind == "rows":
            _clean_rows(spec, raw, values, errors, missing, scenario_choices)
            continue
        value, error = _clean_value(spec, raw.get(spec.name), field_choices(spec, scenario_choices))
        if error:
            errors[spec.name] = error
        elif value is None:
            if spec.required:
                missing.append(spec.name)
        else:
            values[spec.name] = value
    if section.key == "basic" and "contact_phone" in values and not _PHONE.match(values["contact_phone"].replace(" ", "")):
        errors["contact_phone"] = "请填写有效的手机号或固定电话（如 13800000000 或 0728-5221234）"
        del values["contact_phone"]
    if section.key == "basic" and "industry_code" in values:
        try:
            values["industry_code"] = industries.validate(values["industry_code"])
        except industries.IndustryCodeError as exc:
            errors["industry_code"] = str(exc)
            del values["industry_code"]
    if section.key == "scope" and "start_date" in values and "end_date" in values \
            and values["end_date"] < values["start_date"]:
        errors["end_date"] = (f"建设完成日期（{values['end_date']}）早于建设开始日期（{values['start_date']}），"
                              "请核对两个日期")
        del values["end_date"]
    if section.key == "attestation" and values.get("confirmed") != YES and "confirmed" not in missing \
            and "confirmed" not in errors:
        missing.append("confirmed")
    return CleanResult(values, errors, missing)


def _clean_rows(spec, raw, values, errors, missing, scenario_choices):
    rows = raw.get(spec.name) or []
    if spec.gate:
        gate = raw.get(spec.gate)
        if gate == NO:
            values[spec.name] = []
            return
        if gate != YES:
            return  # the gate question is itself reported missing
    if not isinstance(rows, list):
        rows = []
    cleaned_rows = []
    seen_ids = set()
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        if all(not str(row.get(c.name) or "").strip() for c in spec.columns):
            continue  # an empty row left in the form is not an answer
        clean_row = {}
        row_ok = True
        for column in spec.columns:
            path = f"{spec.name}[{index}].{column.name}"
            value, error = _clean_value(column, row.get(column.name), field_choices(column, scenario_choices))
            if error:
                errors[path] = error
                row_ok = False
            elif value is None:
                if column.required:
                    missing.append(path)
                    row_ok = False
            else:
                clean_row[column.name] = value
        if spec.name == "scenarios" and clean_row.get("id"):
            if clean_row["id"] in seen_ids:
                errors[f"{spec.name}[{index}].id"] = f"场景 {clean_row['id']} 已经填报过"
                row_ok = False
            seen_ids.add(clean_row["id"])
        if row_ok:
            cleaned_rows.append(clean_row)
    if spec.gate and not cleaned_rows and not any(p.startswith(spec.name) for p in list(errors) + missing):
        missing.append(spec.name)  # said "有" but listed nothing
    if cleaned_rows or not spec.gate:
        values[spec.name] = cleaned_rows
    if not spec.gate and not cleaned_rows and spec.required:
        missing.append(spec.name)


# KPI inputs that only count what 场景建设 already lists (K03 应用人工智能技术场景比例): shown from that section,
# never typed again. input key → which count of the saved 场景建设 rows.
DERIVED_KPI_INPUTS = {"K03": {"part": "ai_scenarios", "whole": "scenarios"}}


def derived_kpi_inputs(scenarios_raw: dict[str, Any] | None, policy) -> dict[str, dict[str, str]]:
    """The KPI inputs derived from the saved 场景建设 section, as the strings the KPI form would hold ({} if none)."""
    if policy is None:
        return {}
    rows = clean_section(SECTIONS_BY_KEY["scenarios"], scenarios_raw, policy).values.get("scenarios") or []
    if not rows:
        return {}
    counts = {"scenarios": len(rows), "ai_scenarios": sum(1 for row in rows if row.get("uses_ai") == YES)}
    return {kpi_id: {key: str(counts[source]) for key, source in inputs.items()}
            for kpi_id, inputs in DERIVED_KPI_INPUTS.items() if kpi_id in policy.kpi_map}


def _clean_kpis(raw: dict[str, Any], policy) -> CleanResult:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if policy is None:
        return CleanResult(values, errors, [])
    for kpi_id, kpi in policy.kpi_map.items():
        given = raw.get(kpi_id) if isinstance(raw.get(kpi_id), dict) else {}
        numbers: dict[str, float] = {}
        for spec in kpi["inputs"]:
            text = str(given.get(spec["key"]) or "").strip()
            if not text:
                continue
            try:
                number = Decimal(normalise_number(text, percent=spec.get("unit") == "%"))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors[f"{kpi_id}.{spec['key']}"] = f"“{text}”不是数字"
                continue
            numbers[spec["key"]] = float(number)
        if not numbers:
            continue
        result = compute_kpi(kpi, numbers)
        for problem in result.problems:
            errors[f"{kpi_id}.{problem.input_key}"] = problem.message
        if not result.problems:
            values[kpi_id] = numbers
    return CleanResult(values, errors, [])
