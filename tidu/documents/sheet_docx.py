"""A bureau's own Word template for a printable review sheet (形式审查表, 专家评分表, 专家组意见表, 专家签到表,
现场核查表): the placeholders each kind declares, the check of an upload, a sample to preview it, and rendering.

A sheet (tidu.documents.sheets.Sheet) is facts, blocks (tables, texts) and signature lines; the apps that build
it never name its parts for Word. This module names them per kind, by position: the first table of a 专家评分表
is ``scores``, its columns ``number``, ``name`` … (see ``SPECS``). Columns beyond the declared keys (the
专家组意见表's one column per expert) are the row's ``cells``. Every kind also offers the common placeholders
(title, facts, signatures, the 校验码 …) and the generic ``tables`` / ``texts``.

docxtpl syntax, as for the 申报书: ``{{ enterprise_name }}``, ``{%tr for r in scores %}`` … ``{{ r.points }}``
… ``{%tr endfor %}``. Rendering is sandboxed; values are escaped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from tidu.documents.placeholders import Placeholder, TemplateCheck, check_docx_template

FORMAL = "formal_review_sheet_docx"
SCORE = "expert_score_sheet_docx"
PANEL = "expert_panel_sheet_docx"
SIGN_IN = "expert_sign_in_sheet_docx"
ONSITE = "onsite_sheet_docx"


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (key, description), in the sheet's column order
    extra: str = ""  # what ``cells`` holds (columns beyond the keys), if any


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    tables: tuple[TableSpec, ...]
    texts: tuple[tuple[str, str], ...]  # (name, description), in the sheet's order
    values: tuple[tuple[str, str], ...] = ()  # named values the sheet carries (a session's 会议名称 …)
    required: tuple[str, ...] = ()


MEMBERS = TableSpec("members", "专家名单（表格行循环）", (
    ("number", "序号"), ("name", "姓名（组长注明）"), ("title", "职称"), ("employer", "工作单位"),
    ("expertise", "专业领域"), ("signature", "签字栏（空白）")))

SPECS: dict[str, SheetSpec] = {s.kind: s for s in (
    SheetSpec(FORMAL, "形式审查表", (
        TableSpec("items", "审查项（表格行循环）", (
            ("number", "序号"), ("group", "类别"), ("item", "审查项"), ("engine_result", "系统判定"),
            ("result", "审查结果（√/×）"), ("note", "说明及改判理由"))),
        TableSpec("corrections", "退回补正意见（表格行循环；未退回时为空）", (("section", "部分"), ("opinion", "意见")))),
        (("opinion", "审查意见"),), required=("items",)),
    SheetSpec(SCORE, "专家评分表", (
        TableSpec("scores", "评分项（表格行循环；最后一行为合计）", (
            ("number", "序号"), ("name", "评分项"), ("guidance", "评分要点"), ("max_points", "满分"),
            ("points", "得分"))),),
        (("opinion", "评审意见"),), required=("scores",)),
    SheetSpec(PANEL, "专家组意见表", (
        TableSpec("scores", "评分汇总（表格行循环；最后一行为总分）", (("name", "评分项"), ("max_points", "满分")),
                  extra="各专家的得分（列表，顺序同专家名单）；平均分见 r.mean"),
        MEMBERS),
        (("opinion", "专家组意见"),), required=("scores",)),
    SheetSpec(SIGN_IN, "专家签到表", (MEMBERS, TableSpec(
        "applications", "评审的申报（表格行循环；按评审会打印时）", (
            ("number", "序号"), ("enterprise_name", "企业名称"), ("credit_code", "统一社会信用代码"),
            ("receipt_number", "回执编号")))), (),
              values=(("meeting_name", "会议名称（按评审会打印时）"), ("meeting_date", "会议日期"),
                      ("place", "会议地点")),
              required=("members",)),
    SheetSpec(ONSITE, "现场核查表", (
        TableSpec("items", "核查事项（表格行循环）", (
            ("number", "序号"), ("group", "类别"), ("item", "核查事项"), ("declared", "申报内容"),
            ("result", "核查结果"), ("finding", "核查说明"), ("photos", "照片数"))),
        TableSpec("photos", "照片索引（表格行循环）", (
            ("number", "序号"), ("item", "核查事项"), ("name", "文件名"), ("taken_at", "拍摄时间"),
            ("location", "拍摄位置")))),
        (("conclusion", "核查结论"),), required=("items",)),
)}

# The panel's 平均 column is the last one; its key follows the experts' cells.
_TRAILING = {(PANEL, "scores"): ("mean", "平均分")}

COMMON: tuple[Placeholder, ...] = (
    Placeholder("title", "表名，如“专家评分表”"),
    Placeholder("subtitle", "副标题（可能为空）"),
    Placeholder("enterprise_name", "企业名称（按评审会打印的签到表为空）"),
    Placeholder("credit_code", "统一社会信用代码"),
    Placeholder("call_title", "申报批次名称"),
    Placeholder("tier", "申报等级"),
    Placeholder("receipt_number", "回执编号"),
    Placeholder("date", "打印日期，如“2026年3月15日”"),
    Placeholder("verification_code", "校验码（可在平台核验页核验）", required=True,
                example="{{ verification_code }}"),
    Placeholder("verify_url", "核验网址"),
    Placeholder("note", "填表说明"),
    Placeholder("facts", "表头信息（列表，每项一行）", (Placeholder("label", "项目"), Placeholder("value", "内容"))),
    Placeholder("signatures", "签字人（列表，文字，如“审查人：张三”）：{%p for s in signatures %}{{ s }}{%p endfor %}"),
    Placeholder("tables", "全部表格（列表，通用写法）", (
        Placeholder("heading", "表格标题"), Placeholder("headers", "列标题（列表，文字）"),
        Placeholder("rows", "行（列表）", Placeholder("cells", "本行各单元格（列表，文字）")))),
    Placeholder("texts", "全部文字段（列表）", (Placeholder("heading", "标题"), Placeholder("text", "内容"))),
)


def _table_columns(spec: SheetSpec, table: TableSpec) -> list[tuple[str, str]]:
    columns = list(table.columns)
    if table.extra:
        columns.append(("cells", table.extra))
    trailing = _TRAILING.get((spec.kind, table.name))
    if trailing:
        columns.append(trailing)
    return columns


def placeholders_for(kind: str) -> tuple[Placeholder, ...]:
    """Every placeholder a template of ``kind`` may use (the common ones, then the kind's own)."""
    spec = SPECS[kind]
    own: list[Placeholder] = []
    for table in spec.tables:
        fields = tuple(Placeholder(key, description) for key, description in _table_columns(spec, table))
        example = (f"{{%tr for r in {table.name} %}} {{{{ r.{fields[0].name} }}}} … {{%tr endfor %}}")
        own.append(Placeholder(table.name, table.description, fields, table.name in spec.required, example))
    own += [Placeholder(name, description, required=name in spec.required) for name, description in spec.texts]
    own += [Placeholder(name, description, required=name in spec.required) for name, description in spec.values]
    return COMMON + tuple(own)


def check_template(kind: str, data: bytes) -> TemplateCheck:
    """An uploaded template of ``kind``: a valid .docx in docxtpl syntax, only this kind's placeholders, the
    required ones present (each problem a Chinese sentence naming the placeholder)."""
    return check_docx_template(data, placeholders_for(kind))


def kind_of(sheet) -> str:
    """The template kind a sheet is printed with (from the builder's ``Sheet.kind`` slug)."""
    slug = sheet.kind
    if slug.startswith("formal"):
        return FORMAL
    if slug.startswith("score"):
        return SCORE
    if slug.startswith("panel"):
        return PANEL
    if "sign-in" in slug:
        return SIGN_IN
    if slug.startswith("onsite"):
        return ONSITE
    return ""


def context(sheet, *, code: str, verify_url: str = "", today: str = "") -> dict:
    """What a bureau's template of the sheet's kind is filled with."""
    from tidu.documents.sheets import Table, Text

    spec = SPECS[kind_of(sheet)]
    facts = dict(sheet.content()["facts"])
    application = sheet.application
    data: dict = {
        "title": sheet.title, "subtitle": sheet.subtitle, "note": sheet.note, "date": today,
        "verification_code": code, "verify_url": verify_url,
        "enterprise_name": application.enterprise.name if application else "",
        "credit_code": application.enterprise.credit_code if application else "",
        "call_title": sheet.call.title if sheet.call else "",
        "tier": facts.get("申报等级", "") if application else "",
        "receipt_number": facts.get("回执编号", "") if application else "",
        "facts": [{"label": str(k), "value": str(v or "")} for k, v in sheet.facts],
        "signatures": [str(s) for s in sheet.signatures],
        "tables": [{"heading": b.heading, "headers": [c.header for c in b.columns],
                    "rows": [{"cells": [str(c) for c in row]} for row in b.rows]}
                   for b in sheet.blocks if isinstance(b, Table)],
        "texts": [{"heading": b.heading, "text": b.text or ""} for b in sheet.blocks if isinstance(b, Text)],
    }
    tables = [b for b in sheet.blocks if isinstance(b, Table)]
    texts = [b for b in sheet.blocks if isinstance(b, Text)]
    for index, table_spec in enumerate(spec.tables):
        table = tables[index] if index < len(tables) else None
        rows = []
        for row in (table.rows if table else []):
            cells = [str(c) for c in row]
            keys = [key for key, _ in table_spec.columns]
            item = dict(zip(keys, cells, strict=False))
            rest = cells[len(keys):]
            trailing = _TRAILING.get((spec.kind, table_spec.name))
            if trailing and rest:
                item[trailing[0]] = rest[-1]
                rest = rest[:-1]
            if table_spec.extra:
                item["cells"] = rest
            rows.append(item)
        data[table_spec.name] = rows
    for index, (name, _description) in enumerate(spec.texts):
        data[name] = (texts[index].text or "") if index < len(texts) else ""
    for name, _description in spec.values:
        data[name] = str(sheet.values.get(name, ""))
    return data


def render(sheet, template: bytes, *, code: str, verify_url: str = "", today: str = "") -> bytes:
    """The sheet filled into a bureau's template (sandboxed, escaped)."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    from tidu.documents.printable import without_bidi

    docx = DocxTemplate(io.BytesIO(template))
    values = without_bidi(context(sheet, code=code, verify_url=verify_url, today=today))
    docx.render(values, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def sample_sheet(kind: str):
    """A made-up sheet of ``kind`` to preview a bureau's template with (no database rows)."""
    from tidu.documents.sheets import Column, Sheet, Table, Text

    spec = SPECS[kind]
    blocks: list = []
    for table in spec.tables:
        columns = [Column(description) for _key, description in table.columns]
        width = len(table.columns) + (2 if table.extra else 0) + (1 if (kind, table.name) in _TRAILING else 0)
        columns += [Column("示例专家") for _ in range(width - len(columns))]
        blocks.append(Table(columns=columns, heading=table.description,
                            rows=[[f"示例{n}-{c + 1}" for c in range(width)] for n in (1, 2)]))
    blocks += [Text(description, f"示例{description}。") for _name, description in spec.texts]
    return Sheet(kind={FORMAL: "formal-review", SCORE: "score-0", PANEL: "panel", SIGN_IN: "sign-in",
                       ONSITE: "onsite"}[kind],
                 title=spec.title, application=None, facts=[("示例项目", "示例内容")], blocks=blocks,
                 signatures=["示例签字人"], values={name: f"示例{d}" for name, d in spec.values})


def starter_template(kind: str) -> bytes:
    """A plain Word template of ``kind`` using its placeholders: a starting point for the bureau's own."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    spec = SPECS[kind]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    document.add_paragraph("{{ title }}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    facts = document.add_table(rows=3, cols=2)
    facts.style = "Table Grid"
    facts.rows[0].cells[0].text = "{%tr for f in facts %}"
    facts.rows[1].cells[0].text, facts.rows[1].cells[1].text = "{{ f.label }}", "{{ f.value }}"
    facts.rows[2].cells[0].text = "{%tr endfor %}"
    for name, description in spec.values:
        document.add_paragraph(f"{description}：{{{{ {name} }}}}")
    for table_spec in spec.tables:
        document.add_paragraph(table_spec.description)
        columns = _table_columns(spec, table_spec)
        table = document.add_table(rows=4, cols=len(columns))
        table.style = "Table Grid"
        for i, (key, description) in enumerate(columns):
            table.rows[0].cells[i].text = description
            table.rows[2].cells[i].text = ("{% for c in r.cells %}{{ c }} {% endfor %}" if key == "cells"
                                           else f"{{{{ r.{key} }}}}")
        table.rows[1].cells[0].text = f"{{%tr for r in {table_spec.name} %}}"
        table.rows[3].cells[0].text = "{%tr endfor %}"
    for name, description in spec.texts:
        document.add_paragraph(f"{description}：")
        document.add_paragraph(f"{{{{ {name} }}}}")
    document.add_paragraph("{%p for s in signatures %}")
    document.add_paragraph("{{ s }}（签字）：________________　　日期：　　　年　　月　　日")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("校验码：{{ verification_code }}　核验网址：{{ verify_url }}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
