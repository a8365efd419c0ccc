"""The placeholders an uploaded template may use, with Chinese descriptions, and checking a template against them.

Word (.docx) templates use docxtpl (Jinja) syntax: ``{{ enterprise_name }}`` for a value,
``{%tr for k in kpis %}`` … ``{{ k.name }}`` … ``{%tr endfor %}`` for one table row per item, and
``{%p for g in scenario_groups %}`` … ``{%p endfor %}`` for repeated paragraphs. Excel (.xlsx)
templates put ``{{序号}}``, ``{{企业名称}}`` … in one row (repeated once per application) and may put
``{{标题}}``, ``{{填报单位}}``, ``{{填报日期}}`` anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tidu.documents.dossier import SUMMARY_COLUMNS


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str
    fields: tuple[Placeholder, ...] = ()  # for a list: the attributes of one item
    required: bool = False
    example: str = ""

    @property
    def is_list(self) -> bool:
        return bool(self.fields)

    def field_map(self) -> dict[str, Placeholder]:
        return {f.name: f for f in self.fields}


def _p(name, description, *fields, required=False, example=""):
    return Placeholder(name, description, tuple(fields), required, example)


LABELLED_ITEM = (_p("label", "项目名称"), _p("value", "填写内容"))
SCENARIO_ITEM = (
    _p("code", "场景编号，如 SC24"), _p("name", "场景名称，如 在线智能检测"), _p("link", "所属环节，如 质量管控"),
    _p("domain", "所属建设领域，如 生产作业"), _p("description", "建设内容"),
    _p("equipment_software", "应用的装备与软件"), _p("uses_ai", "是否应用人工智能技术（是/否）"),
)

DOCX_PLACEHOLDERS: tuple[Placeholder, ...] = (
    _p("cover_title", "申报书标题，如“基础级智能工厂申报书”", example="{{ cover_title }}"),
    _p("call_title", "申报批次名称，如“某市2026年度基础级智能工厂申报”"),
    _p("issuer", "受理单位，如“某市经济和信息化局”"),
    _p("project_name", "项目（智能工厂）名称"),
    _p("enterprise_name", "企业名称", required=True, example="{{ enterprise_name }}"),
    _p("credit_code", "统一社会信用代码", required=True, example="{{ credit_code }}"),
    _p("unit_name", "所属乡镇（办事处、农场、开发区）"),
    _p("tier", "申报等级，如“基础级”", required=True, example="{{ tier }}"),
    _p("submission_date", "申报日期（提交日期，如“2026年3月10日”）；未提交时为空"),
    _p("submitted_at", "提交时间（如“2026-03-10 10:30”）；未提交时为空"),
    _p("receipt_number", "回执编号；未提交时为空", example="{{ receipt_number }}"),
    _p("verification_code", "校验码（可在平台核验页核验）；未提交时为空"),
    _p("status_note", "状态说明：已提交，或草稿/尚未重新提交"),
    _p("industry", "所属行业（GB/T 4754-2017 代码及名称）"),
    _p("contact_name", "联系人"),
    _p("contact_phone", "联系电话"),
    _p("maturity_level", "成熟度自评估等级，如“二级（规范级）”"),
    _p("maturity_score", "成熟度自评估得分，如“2.15”"),
    _p("scope", "建设范围（产线级/车间级/工厂级）"),
    _p("total_investment", "总投资（万元）"),
    _p("start_date", "建设开始日期"),
    _p("end_date", "建设完成日期"),
    _p("project_summary", "项目概况（多段文字）"),
    _p("outcome", "系统综合判定，如“符合申报条件”"),
    _p("scenario_count", "已建设场景数"),
    _p("ai_scenario_count", "应用人工智能技术的场景数"),
    _p("covered_links", "覆盖环节，如“生产作业（质量管控、设备管理）”"),
    _p("attestation_text", "真实性承诺正文"),
    _p("signer_name", "承诺人（法定代表人或授权人）"),
    _p("attested_at", "承诺时间"),
    _p("basic_fields", "一、申报单位基本信息（列表，每项一行）", *LABELLED_ITEM,
       example="{%tr for f in basic_fields %} {{ f.label }} {{ f.value }} {%tr endfor %}"),
    _p("conditions", "二、申报条件逐条（列表）", _p("clause", "条款编号，如 申报条件1"), _p("clause_text", "条款原文"),
       _p("declaration", "企业申明"), _p("result", "核验结果（符合/不符合/需人工复核/待填写）"),
       _p("finding", "核验说明"),
       example="{%tr for c in conditions %} {{ c.clause }} {{ c.result }} {%tr endfor %}"),
    _p("maturity_fields", "三、成熟度自评估（列表，每项一行）", *LABELLED_ITEM),
    _p("scope_fields", "四、建设范围与项目概况（列表，每项一行）", *LABELLED_ITEM),
    _p("scenario_groups", "五、场景按建设领域分组（列表）", _p("title", "分组标题，如“（一）生产作业”"),
       _p("domain", "建设领域"), _p("links", "本组覆盖的环节"), _p("scenarios", "本组的场景（列表）", *SCENARIO_ITEM),
       example="{%p for g in scenario_groups %} {{ g.title }} {%p for s in g.scenarios %} {{ s.name }} "
               "{%p endfor %} {%p endfor %}"),
    _p("scenarios", "五、全部场景，不分组（列表）", *SCENARIO_ITEM),
    _p("equipment", "六、关键技术装备与工业软件清单（列表）", _p("number", "序号"), _p("name", "名称"),
       _p("category", "类别"), _p("model", "型号/版本"), _p("vendor", "供应商"), _p("origin", "国产/进口"),
       _p("secure_controllable", "安全可控（是/否）")),
    _p("kpis", "七、关键绩效指标（列表，仅列出已填报的指标）", _p("number", "序号"), _p("name", "指标名称"),
       _p("unit", "单位"), _p("category", "指标类别"), _p("basis", "计算依据（各输入项及数值）"),
       _p("expression", "计算公式"), _p("result", "计算结果（含单位）"),
       example="{%tr for k in kpis %} {{ k.name }} {{ k.basis }} {{ k.result }} {%tr endfor %}"),
    _p("organisation_fields", "八、组织机制与人才（列表，每项一行）", *LABELLED_ITEM),
    _p("evidence", "佐证材料索引（列表）", _p("number", "序号"), _p("section", "所属部分"), _p("topic", "佐证事项"),
       _p("name", "文件名"), _p("size", "大小"), _p("sha256", "SHA-256 摘要"), _p("note", "说明")),
)
DOCX_BY_NAME = {p.name: p for p in DOCX_PLACEHOLDERS}

_SUMMARY_DESCRIPTIONS = {
    "序号": "推荐优先顺序（数字）", "市/县": "市/县（申报批次所在地区）", "所属乡镇（单位）": "所属乡镇（办事处、农场、开发区）",
    "企业名称": "企业名称", "统一社会信用代码": "统一社会信用代码", "智能工厂名称": "项目（智能工厂）名称",
    "所属行业": "所属行业（GB/T 4754-2017）", "申报等级": "申报等级", "成熟度等级": "成熟度自评估等级",
    "成熟度得分": "成熟度自评估得分（数字）", "覆盖环节": "覆盖环节", "场景数": "已建设场景数（数字）",
    "AI场景数": "应用人工智能技术的场景数（数字）", "联系人": "联系人", "联系电话": "联系电话",
    "推荐意见": "乡镇推荐意见（推荐名单上的原话）", "申报编号": "申报编号（企业提交时取得的回执编号）",
}
XLSX_ROW_PLACEHOLDERS: tuple[Placeholder, ...] = tuple(
    Placeholder(header, _SUMMARY_DESCRIPTIONS.get(header, header),
                required=header in ("序号", "企业名称", "统一社会信用代码"), example="{{" + header + "}}")
    for _, header, _ in SUMMARY_COLUMNS)
XLSX_SHEET_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("标题", "表格标题，如“某市2026年度基础级智能工厂项目推荐汇总表”", example="{{标题}}"),
    Placeholder("填报单位", "填报单位（乡镇或市经信局）", example="{{填报单位}}"),
    Placeholder("填报日期", "填报日期", example="{{填报日期}}"),
)
XLSX_HEADER_TO_ATTRIBUTE = {header: attribute for attribute, header, _ in SUMMARY_COLUMNS}
XLSX_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


@dataclass
class TemplateCheck:
    """The outcome of checking an uploaded template; ``errors`` are Chinese sentences naming the problem."""

    errors: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Word templates ---------------------------------------------------------------------------------------

def _docx_template_ast(data: bytes):
    """Parse a .docx as docxtpl would render it; return the Jinja AST of body, headers and footers."""
    import io
    import zipfile

    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    try:
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ValueError
        document = Document(io.BytesIO(data))
    except Exception:
        return None, "文件不是有效的 Word（.docx）文档"
    template = DocxTemplate(io.BytesIO(data))
    xml = template.patch_xml(template.xml_to_string(document.element.body))
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
            xml += template.patch_xml(template.xml_to_string(parse_xml(rel.target_part.blob)))
    return Environment().parse(xml), None


def parse_docx_template(data: bytes):
    """(Jinja AST, None) of a .docx as docxtpl renders it, or (None, the Chinese reason it is not a .docx)."""
    return _docx_template_ast(data)


def _walk_docx_ast(node, scope: dict[str, Placeholder | None], used: set[str], unknown: list[str],
                   catalogue: dict[str, Placeholder] | None = None) -> None:
    """Record every placeholder the template reads; unknown names and attributes go to ``unknown``.
    ``catalogue``: the placeholders by name (the 申报书's when None)."""
    catalogue = DOCX_BY_NAME if catalogue is None else catalogue
    from jinja2 import nodes

    def resolve(expr) -> Placeholder | None | bool:
        """The placeholder an expression stands for; None when unknown (already reported); True when opaque."""
        if isinstance(expr, nodes.Name):
            if expr.name in scope:
                return scope[expr.name]
            if expr.name in ("loop", "range", "true", "false", "none", "True", "False", "None"):
                return True
            if expr.name in catalogue:
                used.add(expr.name)
                return catalogue[expr.name]
            unknown.append("{{ " + expr.name + " }}")
            return None
        if isinstance(expr, nodes.Getattr):
            base = resolve(expr.node)
            if base is None or base is True:
                return base
            if base.is_list and expr.attr in base.field_map():
                return base.field_map()[expr.attr]
            if not base.is_list and expr.attr in ("strip", "upper", "lower", "replace", "split"):
                return True
            unknown.append("{{ " + _dotted(expr) + " }}")
            return None
        for child in expr.iter_child_nodes():
            visit(child)
        return True

    def visit(node):
        if isinstance(node, nodes.For):
            source = resolve(node.iter)
            visit_list = [node.body, node.else_]
            inner = dict(scope)
            names = _target_names(node.target)
            for name in names:
                inner[name] = source if isinstance(source, Placeholder) else True
            if node.test is not None:
                _walk_docx_ast(node.test, inner, used, unknown, catalogue)
            for body in visit_list:
                for child in body:
                    _walk_docx_ast(child, inner, used, unknown, catalogue)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            names = _target_names(node.target)
            for child in node.iter_child_nodes():
                if child is not getattr(node, "target", None):
                    visit(child)
            for name in names:
                scope[name] = True
            return
        if isinstance(node, nodes.Name | nodes.Getattr):
            resolve(node)
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(node)


def _target_names(target) -> list[str]:
    from jinja2 import nodes

    if isinstance(target, nodes.Name):
        return [target.name]
    return [n.name for n in target.find_all(nodes.Name)]


def _dotted(expr) -> str:
    from jinja2 import nodes

    if isinstance(expr, nodes.Getattr):
        return _dotted(expr.node) + "." + expr.attr
    if isinstance(expr, nodes.Name):
        return expr.name
    return "…"


def check_docx_template(data: bytes, catalogue: tuple[Placeholder, ...] = DOCX_PLACEHOLDERS) -> TemplateCheck:
    """A Word template against ``catalogue`` (the 申报书's placeholders unless given): valid .docx and syntax,
    no unknown placeholder or attribute, every required one present."""
    from jinja2 import TemplateSyntaxError

    check = TemplateCheck()
    try:
        ast, problem = _docx_template_ast(data)
    except TemplateSyntaxError as exc:
        check.errors.append(f"模板语法错误：{exc.message}（请检查 {{{{ }}}} 与 {{% %}} 是否成对、for/if 是否有对应的 endfor/endif）")
        return check
    if problem:
        check.errors.append(problem)
        return check
    from jinja2 import nodes

    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            check.errors.append(f"模板不允许访问以下划线开头的属性（“{node.attr}”）")
        elif isinstance(node, nodes.Getitem):
            check.errors.append("模板不允许使用方括号取值（如 x['a']），请使用占位符列表中的写法（如 k.name）")
        elif isinstance(node, nodes.Filter) and node.name in ("attr", "map", "selectattr", "rejectattr", "sort",
                                                                "groupby", "sum", "unique", "min", "max"):
            check.errors.append(f"模板不允许使用过滤器“{node.name}”")
    used: set[str] = set()
    unknown: list[str] = []
    _walk_docx_ast(ast, {}, used, unknown, {p.name: p for p in catalogue})
    for name in dict.fromkeys(unknown):
        check.errors.append(f"模板使用了未知的占位符 {name}；可用的占位符见本页列表")
    for placeholder in catalogue:
        if placeholder.required and placeholder.name not in used:
            check.errors.append(f"模板缺少必需的占位符 {{{{ {placeholder.name} }}}}（{placeholder.description}）")
    check.used = sorted(used)
    return check


# --- Excel templates ---------------------------------------------------------------------------------------

@dataclass
class XlsxLayout:
    sheet_title: str
    row: int | None  # the row repeated once per application
    row_cells: dict[int, str]  # column → cell text with placeholders
    used: list[str]


def read_xlsx_layout(workbook) -> tuple[XlsxLayout | None, list[str]]:
    sheet = workbook.worksheets[0]
    row_names = {p.name for p in XLSX_ROW_PLACEHOLDERS}
    sheet_names = {p.name for p in XLSX_SHEET_PLACEHOLDERS}
    errors: list[str] = []
    used: list[str] = []
    rows_with_fields: dict[int, dict[int, str]] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or "{{" not in cell.value:
                continue
            for name in XLSX_PLACEHOLDER.findall(cell.value):
                if name in row_names:
                    rows_with_fields.setdefault(cell.row, {})[cell.column] = cell.value
                elif name not in sheet_names:
                    errors.append(f"单元格 {cell.coordinate} 使用了未知的占位符 {{{{{name}}}}}；可用的占位符见本页列表")
                    continue
                used.append(name)
    if len(rows_with_fields) > 1:
        errors.append("每行数据的占位符（如 {{序号}}、{{企业名称}}）必须放在同一行，现分布在第 "
                      + "、".join(str(r) for r in sorted(rows_with_fields)) + " 行")
    row = next(iter(rows_with_fields), None)
    for placeholder in XLSX_ROW_PLACEHOLDERS:
        if placeholder.required and placeholder.name not in used:
            errors.append(f"模板缺少必需的占位符 {{{{{placeholder.name}}}}}（{placeholder.description}）")
    layout = XlsxLayout(sheet.title, row, rows_with_fields.get(row, {}) if row else {}, sorted(set(used)))
    return layout, errors


def check_xlsx_template(data: bytes) -> TemplateCheck:
    import io
    import zipfile

    from openpyxl import load_workbook

    check = TemplateCheck()
    try:
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ValueError
        workbook = load_workbook(io.BytesIO(data))
    except Exception:
        check.errors.append("文件不是有效的 Excel（.xlsx）工作簿")
        return check
    layout, errors = read_xlsx_layout(workbook)
    check.errors.extend(errors)
    check.used = layout.used if layout else []
    return check
