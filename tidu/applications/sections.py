"""The sections of the 申报书 and their fields, as data, with cleaning that never loses input.

What the user typed is stored as it was typed (strings); ``clean_section`` turns it into typed values
and a list of field problems. An invalid or empty field is simply absent from the clean values, so
the engine reports it as "missing", and the form shows the problem next to the untouched input.
The policy (scenario catalogue, KPIs) is passed in. Labels, options and messages are Chinese source strings
marked for translation (lazy, so each page shows them in the reader's language); printed documents render
them under the Chinese locale.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tidu.core import sentences
from tidu.core.dates import date_local
from tidu.eligibility.kpi import MAX_INPUT, compute_kpi
from tidu.enterprises import industries

SCENARIO_DESCRIPTION_MAX = 3000  # Older national calls capped each scenario description at 3,000 characters.
LONG_TEXT_MAX = 2000
YES, NO = "yes", "no"
YES_NO = ((YES, _("是")), (NO, _("否")))
# 近三年有无…: "有" / "无" answer whether there is anything to list (a context keeps "无" apart from "none").
HAS_NONE = ((YES, pgettext_lazy("有无", "有")), (NO, pgettext_lazy("有无", "无")))


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
    Field("date", _("日期"), "date"),
    Field("description", _("情况说明"), "text", max_length=500),
)
ACCIDENT_COLUMNS = (
    Field("date", _("日期"), "date"),
    Field("category", _("类别"), "choice", choices=(("安全", _("安全")), ("环保", _("环保")), ("其他", _("其他")))),
    Field("severity", _("等级"), "choice",
          choices=(("一般", _("一般")), ("较大", _("较大")), ("重大", _("重大")), ("特别重大", _("特别重大")))),
    Field("fatalities", _("死亡人数"), "integer", min_value=0),
    Field("description", _("情况说明"), "text", required=False, max_length=500),
)
EQUIPMENT_COLUMNS = (
    Field("name", _("名称"), "text", max_length=200),
    Field("category", _("类别"), "choice", choices=(("装备", _("装备")), ("工业软件", _("工业软件")),
                                                 ("工业操作系统", _("工业操作系统")),
                                                 ("系统解决方案", _("系统解决方案")), ("其他", _("其他")))),
    Field("model", _("型号/版本"), "text", required=False, max_length=100),
    Field("vendor", _("供应商"), "text", required=False, max_length=200),
    Field("origin", _("国产/进口"), "choice", choices=(("国产", _("国产")), ("进口", _("进口")))),
    Field("secure_controllable", _("安全可控"), "yesno", choices=YES_NO),
)
SCENARIO_COLUMNS = (
    Field("id", _("典型场景"), "choice"),  # choices come from the call's scenario catalogue
    Field("description", _("建设内容"), "textarea", max_length=SCENARIO_DESCRIPTION_MAX,
          help=format_lazy(_("建设了什么、解决了什么问题、取得了什么效果，不超过 {max} 字"),
                           max=SCENARIO_DESCRIPTION_MAX)),
    Field("equipment_software", _("应用的装备与软件"), "textarea", required=False, max_length=LONG_TEXT_MAX),
    Field("uses_ai", _("是否应用人工智能技术"), "yesno", choices=YES_NO),
)

REGISTRY_HELP = _("来自企业注册信息，不在此修改；如有变化，请向所属乡镇（办事处）申请变更登记")

SECTIONS: tuple[Section, ...] = (
    Section("basic", _("基本信息"), (
        Field("name", _("企业名称"), "text", max_length=200, registry=True,
              help=REGISTRY_HELP),
        Field("credit_code", _("统一社会信用代码"), "text", max_length=18, registry=True,
              help=REGISTRY_HELP),
        Field("registered_region", _("登记注册地"), "text", max_length=100, registry=True,
              help=REGISTRY_HELP),
        Field("legal_status", _("法人类型"), "choice",
              choices=(("legal_person", _("独立法人")), ("branch", _("法人的分支机构")))),
        Field("industry_code", _("所属行业（GB/T 4754-2017 代码）"), "text", max_length=5, registry=True,
              help=REGISTRY_HELP),
        Field("above_designated_size", _("是否为规模以上工业企业"), "yesno", choices=YES_NO),
        Field("main_business_revenue_10k_yuan", _("上年度主营业务收入（万元）"), "decimal", min_value=0),
        Field("employees", _("从业人数"), "integer", required=False, min_value=0),
        Field("competitiveness", _("企业和产品市场竞争力"), "textarea", max_length=LONG_TEXT_MAX,
              help=_("主导产品、市场占有率、行业地位等")),
        Field("contact_name", _("联系人"), "text", max_length=50),
        Field("contact_phone", _("联系电话"), "text", max_length=30),
    )),
    Section("conditions", _("申报条件"), (
        Field("construction_completed", _("已完成智能工厂建设"), "yesno", choices=YES_NO),
        Field("operations_and_finance_sound", _("近三年经营和财务状况良好"), "yesno", choices=YES_NO),
        Field("has_bad_credit_records", _("近三年有无不良信用记录"), "yesno", choices=HAS_NONE),
        Field("bad_credit_records", _("不良信用记录"), "rows", columns=EVENT_COLUMNS, gate="has_bad_credit_records"),
        Field("has_accidents", _("近三年有无安全、环保等事故"), "yesno", choices=HAS_NONE),
        Field("accidents", _("事故"), "rows", columns=ACCIDENT_COLUMNS, gate="has_accidents"),
        Field("has_violations", _("近三年有无违法违规行为"), "yesno", choices=HAS_NONE),
        Field("violations", _("违法违规行为"), "rows", columns=EVENT_COLUMNS, gate="has_violations"),
        Field("secure_and_controllable", _("关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控"), "yesno",
              choices=YES_NO),
        Field("cyber_and_data_risk_controllable", _("网络安全和数据安全风险可控"), "yesno", choices=YES_NO),
        Field("onsite_verification", _("愿意配合现场核查"), "yesno", choices=YES_NO),
        Field("technology_promotion", _("愿意配合技术推广"), "yesno", choices=YES_NO),
        Field("case_exchange", _("愿意配合典型案例交流"), "yesno", choices=YES_NO),
    ), intro=_("逐条申明并上传佐证材料；“近三年”自申报开始之日向前计算三年。")),
    Section("maturity", _("成熟度自评估"), (
        Field("level", _("自评估等级"), "choice", choices=tuple((str(n), label) for n, label in
                                                          ((1, _("一级（规划级）")), (2, _("二级（规范级）")), (3, _("三级（集成级）")),
                                                           (4, _("四级（优化级）")), (5, _("五级（引领级）"))))),
        Field("score", _("自评估得分"), "decimal", min_value=0, max_value=5),
        Field("report_number", _("评估报告编号"), "text", max_length=60),
        Field("report_date", _("评估报告日期"), "date"),
        Field("platform", _("自评估平台"), "text", max_length=100, help=_("须在“智能制造评估评价公共服务平台”开展")),
    )),
    Section("scope", _("建设范围与项目概况"), (
        Field("scope", _("建设范围"), "choice", choices=(("产线级", _("产线级")), ("车间级", _("车间级")), ("工厂级", _("工厂级")))),
        Field("project_name", _("智能工厂（项目）名称"), "text", max_length=200),
        Field("start_date", _("建设开始日期"), "date"),
        Field("end_date", _("建设完成日期"), "date"),
        Field("total_investment_10k_yuan", _("总投资（万元）"), "decimal", min_value=0),
        Field("integrators", _("主要系统集成商/服务商"), "textarea", required=False, max_length=LONG_TEXT_MAX),
        Field("summary", _("项目概况"), "textarea", max_length=SCENARIO_DESCRIPTION_MAX),
    )),
    Section("scenarios", _("场景建设"), (
        Field("scenarios", _("已建设的典型场景"), "rows", columns=SCENARIO_COLUMNS),
    ), intro=_("从《智能制造典型场景参考指引（2025年版）》中选择已建成的场景；基础级至少覆盖生产作业环节。")),
    Section("equipment", _("关键技术装备与工业软件清单"), (
        Field("equipment", _("清单"), "rows", columns=EQUIPMENT_COLUMNS),
    )),
    Section("kpis", _("关键绩效指标"), (), intro=_("填写各指标的计算依据，系统按公式计算；至少填写一项，不适用的指标可不填。")),
    Section("organisation", _("组织机制与人才"), (
        Field("has_mechanism", _("已建立智能工厂统筹规划、建设和运营的组织机制"), "yesno", choices=YES_NO),
        Field("description", _("组织机制说明"), "textarea", max_length=LONG_TEXT_MAX),
        Field("talent_count", _("智能制造专业人才人数"), "integer", min_value=0),
    )),
    Section("attestation", _("真实性承诺"), (
        Field("signer_name", _("承诺人（法定代表人或授权人）姓名"), "text", max_length=50),
        Field("confirmed", _("本单位承诺所填内容及佐证材料真实、准确、完整，不涉及国家秘密和商业秘密，并愿意配合现场核查"),
              "yesno", choices=(("yes", _("我承诺")),)),
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
            return None, gettext("不能超过 %(max)s 字（现有 %(count)s 字）") % {"max": spec.max_length, "count": len(text)}
        return text, None
    if spec.kind in ("choice", "yesno"):
        allowed = dict(choices)
        if text not in allowed:
            return None, gettext("请从选项中选择（“%(text)s”无效）") % {"text": text}
        return text, None
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS)).isoformat(), None
        except ValueError:
            return None, gettext("“%(text)s”不是有效日期，请按 年-月-日 填写，如 2025-12-18") % {"text": text}
    if spec.kind in ("integer", "decimal"):
        try:
            number = Decimal(normalise_number(text))
        except InvalidOperation:
            return None, gettext("“%(text)s”不是数字") % {"text": text}
        if not number.is_finite():
            return None, gettext("“%(text)s”不是有效数字") % {"text": text}
        if abs(number) > Decimal(str(MAX_INPUT)):
            return None, gettext("数值过大（%(text)s），请核对单位与位数") % {"text": text}
        if spec.kind == "integer" and number != number.to_integral_value():
            return None, gettext("应为整数（填写了 %(text)s）") % {"text": text}
        if spec.min_value == 0 and number < 0:
            return None, gettext("%(label)s不能为负数（填写了 %(text)s）") % {"label": spec.label, "text": text}
        if spec.min_value is not None and number < Decimal(str(spec.min_value)):
            return None, gettext("%(label)s不能小于 %(min)s") % {"label": spec.label, "min": f"{spec.min_value:g}"}
        if spec.max_value is not None and number > Decimal(str(spec.max_value)):
            return None, gettext("%(label)s不能大于 %(max)s") % {"label": spec.label, "max": f"{spec.max_value:g}"}
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
        errors["contact_phone"] = gettext("请填写有效的手机号或固定电话（如 13800000000 或 0728-5221234）")
        del values["contact_phone"]
    if section.key == "basic" and "industry_code" in values:
        try:
            values["industry_code"] = industries.validate(values["industry_code"])
        except industries.IndustryCodeError as exc:
            errors["industry_code"] = str(exc)
            del values["industry_code"]
    if section.key == "scope" and "start_date" in values and "end_date" in values \
            and values["end_date"] < values["start_date"]:
        errors["end_date"] = gettext("建设完成日期（%(end)s）早于建设开始日期（%(start)s），请核对两个日期") % {
            "end": date_local(values["end_date"]), "start": date_local(values["start_date"])}
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
                errors[f"{spec.name}[{index}].id"] = gettext("场景 %(id)s 已经填报过") % {"id": clean_row["id"]}
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
                errors[f"{kpi_id}.{spec['key']}"] = gettext("“%(text)s”不是数字") % {"text": text}
                continue
            numbers[spec["key"]] = float(number)
        if not numbers:
            continue
        result = compute_kpi(kpi, numbers)
        for problem in result.problems:
            errors[f"{kpi_id}.{problem.input_key}"] = sentences.text_of(problem)  # in the reader's language
        if not result.problems:
            values[kpi_id] = numbers
    # Each KPI is optional (the pack declares no minimum: "不适用的指标可不填"), but a step with none at all is not
    # "✓ 已完成": the 申报书's KPI table and the reviewers' KPI-based outcome clause need at least one, so a blank
    # step counts one item to fill ("kpis", no single field) until one KPI is computed.
    missing = [] if values or errors else ["kpis"]
    return CleanResult(values, errors, missing)
