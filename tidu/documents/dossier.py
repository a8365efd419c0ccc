"""The dossier (申报材料) of one application: built once, read by every renderer.

``build_dossier(application)`` reads the database once (sections as typed, the latest submission,
the call's policy, the evidence list) and hands plain values to ``assemble_dossier``, which is pure
Python and returns a tree of frozen dataclasses mirroring the 申报书: cover facts, sections 一–九,
the evidence index and the row of the 推荐汇总表. The on-screen summary, the DOCX, the PDFs and
the XLSX all read only this tree, so they cannot disagree with each other.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation

from tidu.applications.sections import SECTION_KEYS, SECTIONS_BY_KEY, YES, clean_section
from tidu.applications.services import application_verdict, content_hash, section_raw
from tidu.core.dates import date_zh
from tidu.core.hashing import canonical_json
from tidu.core.sizes import human_size
from tidu.core.timezones import local_time
from tidu.documents.evidence_files import EvidenceInspection, inspect_stored
from tidu.documents.verification import issue_code
from tidu.eligibility.findings import RESULT_LABELS, Result
from tidu.eligibility.kpi import compute_kpi
from tidu.enterprises import industries
from tidu.policy.call_policy import CallPolicy
from tidu.policy.selectors import call_policy_for

# Bump when a renderer's output changes for the same dossier: it is part of every cache key.
RENDERER_VERSION = "2026.1-r2"

NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
SECTION_TITLES = (
    ("basic", "申报单位基本信息"),
    ("conditions", "申报条件符合情况"),
    ("maturity", "智能制造能力成熟度自评估"),
    ("scope", "智能工厂建设范围与项目概况"),
    ("scenarios", "场景建设情况"),
    ("equipment", "关键技术装备与工业软件清单"),
    ("kpis", "关键绩效指标"),
    ("organisation", "组织机制与人才"),
    ("attestation", "真实性承诺"),
)
NOT_FILLED = "（未填写）"
ATTESTATION_TEXT = ("本单位承诺：所填内容及所附佐证材料真实、准确、完整，不涉及国家秘密和商业秘密，"
                    "并愿意配合开展现场核查、技术推广和典型案例交流等工作。如有不实，愿承担相应责任。")

# What the enterprise declared for each 申报条件 comes from the call pack (each clause's ``dossier``: the
# section.field shown and its wording), see ``_conditions``.
GATED_ROWS = {"has_bad_credit_records": "bad_credit_records", "has_accidents": "accidents",
              "has_violations": "violations"}


# --- the tree ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One labelled answer, as printed."""

    label: str
    value: str


@dataclass(frozen=True)
class Cover:
    title: str  # e.g. 基础级智能工厂申报书
    call_title: str
    issuer: str
    project_name: str
    enterprise_name: str
    credit_code: str
    unit_name: str
    tier_name: str
    submission_date: str  # 2026年3月10日, or "" before submission
    submitted_at: str  # 2026-03-10 10:30 (data, parsed by services), or ""; printed via moment_zh
    receipt_number: str
    verification_code: str
    status_note: str


_ATOMIC = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _as_plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` returns (tuples stay tuples, other leaves are deep copies), without its deep copy
    of every string and number (immutable: the copy is the same object) — a third of the time it took, and the
    申报书 PDF builds it for every document."""
    if isinstance(value, _ATOMIC):
        return value
    cls = type(value)
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    if names is not None:
        return {name: _as_plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple, as asdict does
        return cls(*[_as_plain(v) for v in value])
    if isinstance(value, list | tuple):
        return cls(_as_plain(v) for v in value)
    if isinstance(value, dict):
        return cls((_as_plain(k), _as_plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


@dataclass(frozen=True)
class DossierSection:
    key: str
    number: str  # 一
    name: str  # 申报单位基本信息

    @property
    def title(self) -> str:
        return f"{self.number}、{self.name}"


@dataclass(frozen=True)
class ConditionItem:
    clause: str
    clause_text: str
    declaration: str
    result: str  # pass | fail | review | missing | unknown
    result_label: str
    finding: str


@dataclass(frozen=True)
class ScenarioItem:
    id: str
    number: int
    name: str
    link_name: str
    domain_name: str
    description: str
    equipment_software: str
    uses_ai: bool

    @property
    def uses_ai_label(self) -> str:
        return "是" if self.uses_ai else "否"


@dataclass(frozen=True)
class ScenarioGroup:
    domain_id: str
    domain_name: str
    title: str  # （一）生产作业
    links: tuple[str, ...]
    scenarios: tuple[ScenarioItem, ...]


@dataclass(frozen=True)
class EquipmentRow:
    number: int
    name: str
    category: str
    model: str
    vendor: str
    origin: str
    secure_controllable: str


@dataclass(frozen=True)
class KpiInput:
    name: str
    value: float
    unit: str

    @property
    def display(self) -> str:
        return f"{self.name} {format_number(self.value)} {self.unit}".strip()


@dataclass(frozen=True)
class KpiRow:
    number: int
    kpi_id: str
    name: str
    category: str
    unit: str
    expression: str
    inputs: tuple[KpiInput, ...]
    value: float | None
    result: str  # 79.31%, or — with the problem below
    problem: str = ""

    @property
    def basis(self) -> str:
        return "；".join(i.display for i in self.inputs)


@dataclass(frozen=True)
class Attestation:
    statement: str
    signer_name: str
    attested_at: str
    confirmed: bool


@dataclass(frozen=True)
class EvidenceEntry:
    number: int
    evidence_id: int
    section_key: str
    section_title: str
    topic: str
    name: str
    content_type: str
    size: int
    sha256: str
    kind: str  # pdf | image | office | other
    pages: int | None
    note: str
    mergeable: bool

    @property
    def size_display(self) -> str:
        return human_size(self.size)


SUMMARY_COLUMNS: tuple[tuple[str, str, int], ...] = (
    # (attribute, header, column width in characters)
    ("order", "序号", 6),
    ("county", "市/县", 9),
    ("unit_name", "所属乡镇（单位）", 14),
    ("enterprise_name", "企业名称", 28),
    ("credit_code", "统一社会信用代码", 21),
    ("factory_name", "智能工厂名称", 26),
    ("industry", "所属行业", 26),
    ("tier_name", "申报等级", 9),
    ("maturity_level", "成熟度等级", 10),
    ("maturity_score", "成熟度得分", 10),
    ("covered_links", "覆盖环节", 30),
    ("scenario_count", "场景数", 8),
    ("ai_scenario_count", "AI场景数", 9),
    ("contact_name", "联系人", 9),
    ("contact_phone", "联系电话", 15),
    ("recommendation", "推荐意见", 24),
    ("receipt_number", "申报编号", 22),  # the receipt number the enterprise was given (回执编号)
)
NUMERIC_SUMMARY_COLUMNS = ("order", "maturity_score", "scenario_count", "ai_scenario_count")


@dataclass(frozen=True)
class SummaryRow:
    """One row of the 推荐汇总表 (附件4); ``order`` is filled in by the list it is placed in."""

    county: str
    unit_name: str
    enterprise_name: str
    credit_code: str
    factory_name: str
    industry: str
    tier_name: str
    maturity_level: str
    maturity_score: float | None
    covered_links: str
    scenario_count: int
    ai_scenario_count: int
    contact_name: str
    contact_phone: str
    recommendation: str
    receipt_number: str = ""
    order: int | None = None

    def numbered(self, order: int) -> SummaryRow:
        return dataclasses.replace(self, order=order)

    def values(self) -> list[Any]:
        """The cells in SUMMARY_COLUMNS order; numbers stay numbers."""
        return [getattr(self, attribute) for attribute, _, _ in SUMMARY_COLUMNS]


@dataclass(frozen=True)
class Dossier:
    application_id: int
    call_code: str
    call_title: str
    policy_sha256: str
    content_sha256: str
    submitted: bool
    cover: Cover
    sections: tuple[DossierSection, ...]
    basic: tuple[Item, ...]
    outcome_label: str
    conditions: tuple[ConditionItem, ...]
    maturity: tuple[Item, ...]
    scope: tuple[Item, ...]
    project_summary: str
    scenario_count: int
    ai_scenario_count: int
    covered_links: str
    scenario_groups: tuple[ScenarioGroup, ...]
    equipment: tuple[EquipmentRow, ...]
    kpis: tuple[KpiRow, ...]
    organisation: tuple[Item, ...]
    attestation: Attestation
    evidence: tuple[EvidenceEntry, ...]
    summary_row: SummaryRow
    extra: dict[str, str] = field(default_factory=dict)  # scalar facts for template placeholders

    def section(self, key: str) -> DossierSection:
        return next(s for s in self.sections if s.key == key)

    def as_dict(self) -> dict[str, Any]:
        return _as_plain(self)

    def canonical_json(self) -> str:
        return canonical_json(self.as_dict())

    def fingerprint(self, *parts: str) -> str:
        """The cache key of a document rendered from this dossier (plus e.g. the kind and a template hash)."""
        digest = hashlib.sha256()
        for part in (RENDERER_VERSION, self.canonical_json(), *(e.sha256 for e in self.evidence), *parts):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()


# --- formatting ------------------------------------------------------------------------------------

def moment_zh(local: dt.datetime) -> str:
    """A local moment in the documents' one date style: 2026年3月10日 14:20 (as 申报日期 2026年3月10日)."""
    return f"{date_zh(local.date())} {local:%H:%M}"


def format_number(value: float | int | None) -> str:
    if value is None:
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):d}"
    text = format(number.normalize(), "f")
    return text


def _display(section_key: str, name: str, value: Any) -> str:
    spec = SECTIONS_BY_KEY[section_key].field(name)
    if value is None:
        return NOT_FILLED
    if spec.kind in ("choice", "yesno"):
        return str(dict(spec.choices).get(value, value))
    if spec.kind == "date":
        return date_zh(value)
    if spec.kind in ("integer", "decimal"):
        return format_number(value)
    return str(value)


def _event_rows_text(rows: list[dict[str, Any]]) -> str:
    parts = []
    for row in rows:
        bits = [date_zh(row.get("date")), row.get("category", ""), row.get("severity", "")]
        if "fatalities" in row:
            bits.append(f"死亡{row['fatalities']}人")
        bits.append(row.get("description", ""))
        parts.append(" ".join(b for b in bits if b))
    return "；".join(parts)


# --- assembling --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubmissionFacts:
    number: str
    submitted_at: dt.datetime
    content_sha256: str
    attested_by_name: str


@dataclass(frozen=True)
class EvidenceFacts:
    id: int
    section: str
    topic: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    inspection: EvidenceInspection


@dataclass
class DossierInputs:
    """Everything ``assemble_dossier`` needs, as plain values (no database)."""

    application_id: int
    tier: str
    raw_sections: dict[str, dict[str, Any]]
    unit_name: str
    content_sha256: str
    verdict: dict[str, Any] | None
    evidence: list[EvidenceFacts]
    submission: SubmissionFacts | None = None  # the latest submission, if any
    verification_code: str = ""
    recommendation: str = ""
    industry_text: str = ""
    # The registered enterprise (企业登记), which the 汇总表 row names instead of what the form says.
    registered: RegisteredFacts | None = None


@dataclass(frozen=True)
class RegisteredFacts:
    name: str
    credit_code: str
    industry_text: str


def assemble_dossier(policy: CallPolicy, inputs: DossierInputs) -> Dossier:
    """The dossier as printed: always in Chinese (the wizard's labels are translated for the reader on pages,
    never in the document), whatever language the person asking for it reads."""
    with translation.override(settings.LANGUAGE_CODE):
        return _assemble_dossier(policy, inputs)


def _assemble_dossier(policy: CallPolicy, inputs: DossierInputs) -> Dossier:
    clean = {key: clean_section(SECTIONS_BY_KEY[key], inputs.raw_sections.get(key), policy).values
             for key in SECTION_KEYS}
    basic, scope, maturity = clean["basic"], clean["scope"], clean["maturity"]
    tier_def = policy.find_tier(inputs.tier) or policy.call_tier
    tier_name = tier_def["name"]
    submission = inputs.submission
    submitted = submission is not None and submission.content_sha256 == inputs.content_sha256

    enterprise_name = basic.get("name", "")
    project_name = scope.get("project_name") or (f"{enterprise_name}智能工厂" if enterprise_name else "")
    if submitted:
        local = local_time(submission.submitted_at, policy)
        submission_date, submitted_at = date_zh(local.date()), local.strftime("%Y-%m-%d %H:%M")
        submitted_text = moment_zh(local)
        receipt, code, status_note = submission.number, inputs.verification_code, "已提交"
    else:
        submission_date = submitted_at = submitted_text = receipt = code = ""
        status_note = ("已退回修改，当前内容尚未重新提交（仅供核对）" if submission is not None
                       else "草稿，尚未提交（仅供核对）")
    cover = Cover(
        title=f"{tier_name}智能工厂申报书", call_title=policy.call.content["title"],
        issuer=policy.call.content.get("issuer", ""), project_name=project_name,
        enterprise_name=enterprise_name, credit_code=basic.get("credit_code", ""), unit_name=inputs.unit_name,
        tier_name=tier_name, submission_date=submission_date, submitted_at=submitted_at, receipt_number=receipt,
        verification_code=code, status_note=status_note)

    sections = tuple(DossierSection(key, NUMERALS[i], name) for i, (key, name) in enumerate(SECTION_TITLES))

    def items(section_key: str, names: list[str] | None = None) -> tuple[Item, ...]:
        spec = SECTIONS_BY_KEY[section_key]
        out = []
        for f in spec.fields:
            if f.kind == "rows" or (names is not None and f.name not in names):
                continue
            value = clean[section_key].get(f.name)
            text = _display(section_key, f.name, value)
            if section_key == "basic" and f.name == "industry_code" and inputs.industry_text and value:
                text = inputs.industry_text
            if section_key == "maturity" and f.name == "score" and value is not None:
                text = f"{value:.2f}"
            out.append(Item(str(f.label), text))
        return tuple(out)

    basic_items = items("basic")
    basic_items = (*basic_items[:4], Item("所属乡镇（办事处、农场、开发区）", inputs.unit_name or NOT_FILLED),
                   *basic_items[4:])

    conditions = _conditions(policy, clean, inputs.verdict,
                             f"提交时间：{submitted_text}（北京时间）" if submitted else "尚未提交")
    outcome_label = (inputs.verdict or {}).get("outcome_label", "无法判定")

    scenario_items = _scenarios(policy, inputs.raw_sections.get("scenarios"), clean)
    groups = _group_scenarios(policy, scenario_items)
    ai_count = sum(1 for s in scenario_items if s.uses_ai)
    covered = "；".join(f"{g.domain_name}（{'、'.join(g.links)}）" for g in groups)

    equipment = tuple(
        EquipmentRow(number=i, name=row.get("name", ""), category=row.get("category", ""),
                     model=row.get("model", ""), vendor=row.get("vendor", ""), origin=row.get("origin", ""),
                     secure_controllable="是" if row.get("secure_controllable") == YES else "否")
        for i, row in enumerate(clean["equipment"].get("equipment", []), start=1))

    kpis = _kpis(policy, clean["kpis"])

    attestation_data = inputs.raw_sections.get("attestation") or {}
    attested_at = ""
    if attestation_data.get("confirmed_at"):
        try:
            attested_at = moment_zh(local_time(dt.datetime.fromisoformat(attestation_data["confirmed_at"]),
                                               policy))
        except ValueError:
            attested_at = ""
    signer = (submission.attested_by_name if submitted and submission.attested_by_name
              else clean["attestation"].get("signer_name", ""))
    attestation = Attestation(statement=ATTESTATION_TEXT, signer_name=signer or NOT_FILLED,
                              attested_at=attested_at or NOT_FILLED,
                              confirmed=clean["attestation"].get("confirmed") == YES)

    evidence = _evidence_index(inputs.evidence, policy)

    level = maturity.get("level")
    registered = inputs.registered
    summary_row = SummaryRow(
        county=policy.call.content["region"]["city"], unit_name=inputs.unit_name,
        enterprise_name=registered.name if registered else enterprise_name,
        credit_code=registered.credit_code if registered else basic.get("credit_code", ""), factory_name=project_name,
        industry=registered.industry_text if registered else inputs.industry_text or basic.get("industry_code", ""),
        tier_name=tier_name,
        maturity_level=_display("maturity", "level", level) if level else "",
        maturity_score=maturity.get("score"), covered_links=covered, scenario_count=len(scenario_items),
        ai_scenario_count=ai_count, contact_name=basic.get("contact_name", ""),
        contact_phone=basic.get("contact_phone", ""), recommendation=inputs.recommendation,
        receipt_number=receipt)

    extra = {
        "industry": inputs.industry_text or basic.get("industry_code", ""),
        "contact_name": basic.get("contact_name", ""),
        "contact_phone": basic.get("contact_phone", ""),
        "maturity_level": summary_row.maturity_level,
        "maturity_score": f"{maturity['score']:.2f}" if maturity.get("score") is not None else "",
        "scope": scope.get("scope", ""),
        "total_investment": format_number(scope.get("total_investment_10k_yuan")),
        "start_date": date_zh(scope.get("start_date")),
        "end_date": date_zh(scope.get("end_date")),
    }
    return Dossier(
        application_id=inputs.application_id, call_code=policy.code, call_title=policy.call.content["title"],
        policy_sha256=policy.sha256, content_sha256=inputs.content_sha256, submitted=submitted, cover=cover,
        sections=sections, basic=basic_items, outcome_label=outcome_label, conditions=conditions,
        maturity=items("maturity"), scope=items("scope", ["scope", "project_name", "start_date", "end_date",
                                                            "total_investment_10k_yuan", "integrators"]),
        project_summary=scope.get("summary", NOT_FILLED), scenario_count=len(scenario_items),
        ai_scenario_count=ai_count, covered_links=covered or "—", scenario_groups=groups, equipment=equipment,
        kpis=kpis, organisation=items("organisation"), attestation=attestation, evidence=evidence,
        summary_row=summary_row, extra=extra)


def _conditions(policy: CallPolicy, clean: dict[str, dict[str, Any]], verdict: dict[str, Any] | None,
                timing: str) -> tuple[ConditionItem, ...]:
    findings = {f["clause"]: f for f in (verdict or {}).get("findings", [])}
    out = []
    shown_fields = {d["clause"]: d["dossier"] for d in policy.condition_declarations}
    for clause, text in [*policy.conditions.items(), ("申报时间", policy.call.content["window"]["text"])]:
        declared = []
        for entry in shown_fields.get(clause, ()):
            section_key, _sep, name = entry["section"].partition(".")
            value = clean.get(section_key, {}).get(name)
            shown = _display(section_key, name, value)
            if name in GATED_ROWS and value == YES:
                rows = clean[section_key].get(GATED_ROWS[name]) or []
                if rows:
                    shown += f"（{len(rows)} 项：{_event_rows_text(rows)}）"
            declared.append(f"{entry['label']}：{shown}")
        if clause == "申报时间":
            declared.append(timing)
        finding = findings.get(clause)
        if finding is None:
            result, label, message = "unknown", "无法判定", "系统未能对本条作出判定，请人工复核。"
        else:
            result = finding["result"]
            label = RESULT_LABELS.get(Result(result), result)
            message = finding["message"]
        out.append(ConditionItem(clause=clause, clause_text=finding["clause_text"] if finding else text,
                                 declaration="；".join(declared) if declared else "—", result=result,
                                 result_label=label, finding=message))
    return tuple(out)


def _scenarios(policy: CallPolicy, raw: dict[str, Any] | None,
               clean: dict[str, dict[str, Any]]) -> list[ScenarioItem]:
    rows = clean["scenarios"].get("scenarios", [])
    items = []
    for row in rows:
        catalogue = policy.scenario_map.get(row.get("id"))
        if catalogue is None:
            continue
        link = policy.link_map[catalogue["link"]]
        domain = policy.domain_map[link["domain"]]
        items.append(ScenarioItem(
            id=catalogue["id"], number=catalogue["number"], name=catalogue["name"], link_name=link["name"],
            domain_name=domain["name"], description=row.get("description", ""),
            equipment_software=row.get("equipment_software", ""), uses_ai=row.get("uses_ai") == YES))
    return items


def _group_scenarios(policy: CallPolicy, items: list[ScenarioItem]) -> tuple[ScenarioGroup, ...]:
    groups = []
    link_order = list(policy.link_map)
    for domain_id, domain in policy.domain_map.items():
        members = [s for s in items if policy.domain_of_scenario(s.id) == domain_id]
        if not members:
            continue
        members.sort(key=lambda s: (link_order.index(policy.scenario_map[s.id]["link"]), s.number))
        links = tuple(dict.fromkeys(s.link_name for s in members))
        groups.append(ScenarioGroup(domain_id=domain_id, domain_name=domain["name"],
                                    title=f"（{NUMERALS[len(groups)]}）{domain['name']}", links=links,
                                    scenarios=tuple(members)))
    return tuple(groups)


def _kpis(policy: CallPolicy, values: dict[str, dict[str, float]]) -> tuple[KpiRow, ...]:
    rows = []
    categories = policy.kpi_categories
    for kpi_id, kpi in policy.kpi_map.items():
        given = values.get(kpi_id)
        if not given:
            continue
        result = compute_kpi(kpi, given)
        inputs = tuple(KpiInput(spec["name"], given[spec["key"]], spec.get("unit", ""))
                       for spec in kpi["inputs"] if spec["key"] in given)
        problem = "；".join(p.message for p in result.problems)
        if result.value is None and not problem and result.missing:
            names = {spec["key"]: spec["name"] for spec in kpi["inputs"]}
            problem = "缺少" + "、".join(names.get(k, k) for k in result.missing)
        rows.append(KpiRow(number=kpi["number"], kpi_id=kpi_id, name=kpi["name"],
                           category=categories.get(kpi["category"], {}).get("name", ""), unit=kpi["unit"],
                           expression=kpi.get("expression", ""), inputs=inputs, value=result.value,
                           result=result.display(), problem=problem))
    return tuple(rows)


def _evidence_index(evidence: list[EvidenceFacts], policy: CallPolicy) -> tuple[EvidenceEntry, ...]:
    order = {key: i for i, key in enumerate(SECTION_KEYS)}
    ordered = sorted(evidence, key=lambda e: (order.get(e.section, 99), e.topic, e.id))
    entries = []
    for number, e in enumerate(ordered, start=1):
        section = SECTIONS_BY_KEY.get(e.section)
        title = dict(SECTION_TITLES).get(e.section, str(section.title) if section else e.section)
        topic = e.topic
        if section is not None:
            topic = str(dict(policy.evidence_slots.get(e.section, ())).get(e.topic, e.topic))
        entries.append(EvidenceEntry(
            number=number, evidence_id=e.id, section_key=e.section, section_title=title, topic=topic,
            name=e.original_name, content_type=e.content_type, size=e.size, sha256=e.sha256,
            kind=e.inspection.kind, pages=e.inspection.pages, note=e.inspection.note,
            mergeable=e.inspection.mergeable))
    return tuple(entries)


# --- from the database ----------------------------------------------------------------------------

def recommendation_text(application) -> str:
    """The township's 推荐意见: its words on the 推荐名单 when the application is on one, else the decision's reason."""
    entry = getattr(application, "recommendation_entry", None)
    if entry is not None and entry.opinion.strip():
        return entry.opinion
    event = (application.events.filter(action__in=("township_recommend", "township_not_recommend"))
             .order_by("-created_at", "-id").first())
    if event is None:
        return ""
    if event.action == "township_recommend":
        return event.reason or "同意推荐"
    return f"不予推荐：{event.reason}" if event.reason else "不予推荐"


def build_dossier(application, policy: CallPolicy | None = None, *, inspect_files: bool = True) -> Dossier:
    """Read one application (and its latest submission, policy and evidence) and assemble its dossier."""
    policy = policy or call_policy_for(application.call)
    raw = section_raw(application)
    current = content_hash(application)
    latest = application.latest_submission()
    submission = None
    verdict: dict[str, Any] | None
    code = ""
    if latest is not None:
        submission = SubmissionFacts(number=latest.number, submitted_at=latest.submitted_at,
                                     content_sha256=latest.content_sha256, attested_by_name=latest.attested_by_name)
    if latest is not None and latest.content_sha256 == current:
        verdict = latest.verdict
        code = issue_code(application, latest.content_sha256)
    else:
        try:
            verdict = application_verdict(application, policy).as_dict()
        except Exception:  # an unfinished draft the engine cannot read: the findings say 无法判定
            verdict = None
    evidence = [
        EvidenceFacts(id=e.pk, section=e.section, topic=e.topic, original_name=e.original_name,
                      content_type=e.content_type, size=e.size, sha256=e.sha256,
                      inspection=inspect_stored(e.file, e.content_type, e.sha256) if inspect_files
                      else EvidenceInspection.uninspected(e.content_type))
        for e in application.evidence.all()]
    industry_code = (raw.get("basic") or {}).get("industry_code") or application.enterprise.industry_code
    industry_text = _industry_text(industry_code)
    unit = application.enterprise.organisation.parent
    inputs = DossierInputs(
        application_id=application.pk, tier=application.tier, raw_sections=raw,
        unit_name=unit.name if unit else "", content_sha256=current, verdict=verdict, evidence=evidence,
        submission=submission, verification_code=code, recommendation=recommendation_text(application),
        industry_text=industry_text, registered=registered_facts(application.enterprise))
    return assemble_dossier(policy, inputs)


def _industry_text(code: str) -> str:
    try:
        return industries.describe(code) if code else ""
    except Exception:
        return code or ""


def registered_facts(enterprise) -> RegisteredFacts:
    """Name, credit code and industry as registered (企业登记), the ones intake and dashboards show."""
    return RegisteredFacts(name=enterprise.name, credit_code=enterprise.credit_code,
                           industry_text=_industry_text(enterprise.industry_code))


# The cells of a 汇总表 row that come from the frozen submission's sections (stored as ``SummaryFacts``).
SUMMARY_FACT_FIELDS = ("factory_name", "maturity_level", "maturity_score", "covered_links", "scenario_count",
                       "ai_scenario_count", "contact_name", "contact_phone")


def submission_summary_facts(policy: CallPolicy, sections: dict[str, Any]) -> dict[str, Any]:
    """The ``SUMMARY_FACT_FIELDS`` of the 汇总表 row of a submission whose frozen sections are ``sections``:
    the same assembly as ``record_summary_row`` (so they cannot differ), once per receipt."""
    inputs = DossierInputs(application_id=0, tier="", raw_sections=sections or {}, unit_name="", content_sha256="",
                           verdict=None, evidence=[])
    row = assemble_dossier(policy, inputs).summary_row
    return {name: getattr(row, name) for name in SUMMARY_FACT_FIELDS}


def industry_text(code: str) -> str:
    """The registered industry as the documents print it (code and name), or the code if unknown."""
    return _industry_text(code)


def record_summary_row(application, submission, entry: dict[str, Any], policy: CallPolicy) -> SummaryRow:
    """One 汇总表 row from the record: the frozen ``submission`` (its sections as submitted and its receipt number),
    the signed 推荐名单 ``entry`` (its 推荐意见 words and its priority as the row's order) and the registered
    enterprise. Nothing is read from the application's current, possibly edited, sections.
    """
    sections = (submission.snapshot or {}).get("sections", {})
    unit = application.enterprise.organisation.parent
    inputs = DossierInputs(
        application_id=application.pk, tier=application.tier, raw_sections=sections,
        unit_name=unit.name if unit else "", content_sha256=submission.content_sha256, verdict=submission.verdict,
        evidence=[], submission=SubmissionFacts(number=submission.number, submitted_at=submission.submitted_at,
                                                content_sha256=submission.content_sha256,
                                                attested_by_name=submission.attested_by_name),
        recommendation=entry.get("recommendation", ""), registered=registered_facts(application.enterprise))
    row = assemble_dossier(policy, inputs).summary_row
    return dataclasses.replace(row, recommendation=entry.get("recommendation", ""), receipt_number=submission.number,
                               order=entry.get("priority"))
