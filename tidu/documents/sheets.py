"""Printable review sheets (形式审查表, 专家评分表, 专家组意见表, 专家签到表, 现场核查表): one layout, two formats.

The app that owns a sheet's data assembles a ``Sheet`` from its own selectors (review, experts, onsite: they
import documents, never the other way round) and hands it here. A sheet is facts (label, value), then
blocks (a table or a paragraph of text), then signature lines; ``render_sheet`` issues its 校验码 (recorded,
so that the printed sheet can be checked at the verify page) and produces the PDF (Typst, ``sheet.typ``)
or the Word file (python-docx). User text is data, never markup; long unbroken runs (a pasted URL, a row
of digits) get zero-width break opportunities so that they wrap inside their cell instead of leaving it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.http import Http404
from django.urls import reverse

from tidu.core.dates import date_zh
from tidu.core.downloads import attachment
from tidu.documents import verification
from tidu.documents.typst_engine import compile_pdf
from tidu.policy.selectors import call_policy_for

PDF = "pdf"
DOCX = "docx"
FORMATS = {PDF: "application/pdf",
           DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
ZWSP = "\u200b"
_LONG_RUN = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]{16,}")


def breakable(text: Any) -> str:
    """The text with a break opportunity every 8 characters inside runs that have none (Latin, digits)."""
    text = "" if text is None else str(text)
    return _LONG_RUN.sub(lambda m: ZWSP.join(m.group(0)[i:i + 8] for i in range(0, len(m.group(0)), 8)), text)


@dataclass
class Column:
    header: str
    cm: float = 0  # a fixed width in cm; 0: takes a share (``fr``) of what is left
    fr: int = 1
    align: str = "left"  # left / center / right


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[str]]
    heading: str = ""
    empty: str = "（无）"
    type: str = "table"


@dataclass
class Text:
    heading: str
    text: str
    type: str = "text"


@dataclass
class Sheet:
    kind: str  # slug, part of the file name and of the 校验码's content
    title: str
    application: Any  # the Application the sheet is about (the 校验码 is recorded against it); None: see code_key
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Table | Text] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)  # who signs: "审查人：张三", "企业代表"
    note: str = ""
    # A sheet about no single application (a review session's 签到表): its call, what the file is named after,
    # the key its 校验码 is derived from (e.g. "session-3"), and named values for a bureau's Word template.
    call_obj: Any = None
    subject: str = ""
    code_key: str = ""
    values: dict[str, str] = field(default_factory=dict)

    @property
    def call(self):
        if self.call_obj is not None:
            return self.call_obj
        return self.application.call if self.application is not None else None

    @property
    def filename_stem(self) -> str:
        return f"{self.title}-{self.subject or self.application.enterprise.name}"

    def content(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "subtitle": self.subtitle,
                "facts": [[str(k), str(v or "")] for k, v in self.facts],
                "blocks": [asdict(b) for b in self.blocks], "signatures": list(self.signatures), "note": self.note}

    def content_sha256(self) -> str:
        encoded = json.dumps(self.content(), ensure_ascii=False, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


def issue_code(sheet: Sheet) -> str:
    return verification.issue_document_code(sheet.application, sheet.content_sha256(), sheet.title,
                                            key=sheet.code_key, call=sheet.call)


def _pdf_payload(sheet: Sheet, code: str, verify_url: str) -> dict[str, Any]:
    data = sheet.content()
    data["facts"] = [[k, breakable(v)] for k, v in data["facts"]]
    for block in data["blocks"]:
        if block["type"] == "table":
            block["rows"] = [[breakable(cell) for cell in row] for row in block["rows"]]
        else:
            block["text"] = breakable(block["text"])
    data["subtitle"] = breakable(data["subtitle"])
    data["signatures"] = [breakable(s) for s in data["signatures"]]
    data.update(code=code, verify_url=verify_url)
    return data


def render_sheet_pdf(sheet: Sheet, *, code: str, verify_url: str = "") -> bytes:
    return compile_pdf("sheet.typ", _pdf_payload(sheet, code, verify_url))


def render_sheet_docx(sheet: Sheet, *, code: str, verify_url: str = "") -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    usable = 17.0
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    def heading(text: str, size: float = 12, center: bool = False):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(size)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def fixed_table(widths: list[float], rows: list[list[str]], header: list[str] | None = None,
                    aligns: list[str] | None = None):
        table = document.add_table(rows=0, cols=len(widths))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        all_rows = ([header] if header else []) + rows
        for index, values in enumerate(all_rows):
            cells = table.add_row().cells
            for col, (cell, value) in enumerate(zip(cells, values, strict=False)):
                cell.width = Cm(widths[col])
                cell.text = str(value)
                if header and index == 0:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
                elif aligns and aligns[col] == "center":
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        if header:
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            from docx.oxml import OxmlElement
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            tr_pr.append(repeat)
        return table

    heading(sheet.title, 16, center=True)
    if sheet.subtitle:
        document.add_paragraph(sheet.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if sheet.facts:
        fixed_table([4.0, usable - 4.0], [[k, v] for k, v in sheet.content()["facts"]])
    for block in sheet.blocks:
        if block.heading:
            heading(block.heading)
        if isinstance(block, Table):
            fixed_cm = sum(c.cm for c in block.columns)
            shares = sum(c.fr for c in block.columns if not c.cm) or 1
            widths = [c.cm or (usable - fixed_cm) * c.fr / shares for c in block.columns]
            if block.rows:
                fixed_table(widths, block.rows, [c.header for c in block.columns], [c.align for c in block.columns])
            else:
                fixed_table(widths, [], [c.header for c in block.columns])
                document.add_paragraph(block.empty)
        else:
            for line in (block.text or "（无）").splitlines() or [""]:
                document.add_paragraph(line)
    if sheet.note:
        document.add_paragraph(sheet.note)
    document.add_paragraph()
    for who in sheet.signatures:
        document.add_paragraph(f"{who}（签字）：________________　　日期：　　　年　　月　　日")
    footer = section.footer.paragraphs[0]
    footer.text = f"校验码：{code}" + (f"　核验网址：{verify_url}" if verify_url else "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bureau_template(sheet: Sheet) -> bytes | None:
    """The bureau's enabled Word template for this sheet's kind and call (tidu.documents.sheet_docx), or None."""
    from tidu.documents import services, sheet_docx

    kind = sheet_docx.kind_of(sheet)
    if not kind or sheet.call is None:
        return None
    return services.template_bytes(sheet.call, kind)


def render_sheet(sheet: Sheet, fmt: str, *, verify_url: str = "") -> tuple[bytes, str, str]:
    """(content, file name, content type) of the sheet in ``fmt`` (pdf/docx), its 校验码 issued. Word uses the
    bureau's own template of the sheet's kind when one is enabled for the call, else the built-in layout."""
    code = issue_code(sheet)
    name = f"{sheet.filename_stem}.{fmt}"
    if fmt == DOCX:
        template = bureau_template(sheet)
        if template is not None:
            from django.utils import timezone

            from tidu.documents import sheet_docx

            content = sheet_docx.render(sheet, template, code=code, verify_url=verify_url,
                                        today=date_zh(timezone.now()))
            return content, name, FORMATS[fmt]
    renderer = render_sheet_pdf if fmt == PDF else render_sheet_docx
    return renderer(sheet, code=code, verify_url=verify_url), name, FORMATS[fmt]


def points(value: Any) -> str:
    """Points as printed: 12.5 → "12.5", 12.0 → "12", None → ""."""
    if value is None or value == "":
        return ""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def day(value: Any) -> str:
    """A date or a moment (in 北京时间) as 2026年3月5日; nothing → ""."""
    return date_zh(value) if value else ""


def sheet_response(request, sheet: Sheet, fmt: str):
    """The download of ``sheet`` as ``fmt`` (pdf/docx; anything else is not found)."""
    if fmt not in FORMATS:
        raise Http404
    content, filename, content_type = render_sheet(
        sheet, fmt, verify_url=request.build_absolute_uri(reverse("documents:verify_form")))
    return attachment(content, filename, content_type)


def application_facts(application) -> list[tuple[str, str]]:
    """What every sheet says about the application it is about (the enterprise, the call, the tier, the receipt)."""
    tier = call_policy_for(application.call).find_tier(application.tier) or {}
    latest = application.latest_submission()
    return [("企业名称", application.enterprise.name), ("统一社会信用代码", application.enterprise.credit_code),
            ("申报批次", application.call.title), ("申报等级", tier.get("name") or application.tier),
            ("回执编号", latest.number if latest else "")]
