"""Word notices for the bureau's website (the 认定通知, the 公示 notice): the built-in docxtpl template, the
placeholders a bureau's own template may use, its check, a sample to preview it, and rendering (sandboxed, like
the 申报书). The content is the caller's (tidu.publicity.notices); this module only knows its shape.

Placeholders: {{ document_number }} {{ title }} {{ addressee }} {{ tier_header }} {{ issuer }} {{ date }};
loops ``paragraphs`` / ``closing`` (strings), ``entries`` (e.position, e.enterprise_name, e.credit_code,
e.project_name, e.unit_name, e.tier_label).
"""

from __future__ import annotations

import io
from functools import cache

from tidu.core.demo import demo_data
from tidu.documents.placeholders import TemplateCheck, parse_docx_template

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
# A preview lists sample entries (tidu/core/demo_data/samples.yaml).
SAMPLE_CREDIT_CODE = demo_data("samples")["sample"]["credit_code"]

PLACEHOLDERS = {
    "document_number": "文号（如 天经信发〔2026〕12号）",
    "title": "标题",
    "addressee": "主送单位",
    "paragraphs": "正文段落（循环：{%p for p in paragraphs %}{{ p }}{%p endfor %}）",
    "entries": "名单（表格行循环：{%tr for e in entries %}，字段 e.position 序号、e.enterprise_name 企业名称、"
               "e.credit_code 统一社会信用代码、e.project_name 项目名称、e.unit_name 所在乡镇、e.tier_label 等级）",
    "tier_header": "等级列标题",
    "closing": "结尾段落（循环）",
    "issuer": "发文单位",
    "date": "发文日期（如 2026年4月21日）",
}
REQUIRED = ("document_number", "date", "entries")
# The 公示 notice has no 文号 (it is posted, not filed): only the date and the list are required.
PUBLICITY_REQUIRED = ("date", "entries")


def sample_context() -> dict:
    """What a preview of a bureau's template is filled with."""
    return {"document_number": "天经信发〔2026〕1号（示例）", "title": "关于公布示例认定名单的通知（示例）",
            "addressee": "各乡镇（办事处、农场、开发区），各有关企业：",
            "paragraphs": ["这是示例正文，用于核对模板效果。"], "closing": ["特此通知。"],
            "tier_header": "认定等级", "issuer": "示例发文单位", "date": "2026年1月1日",
            "entries": [{"position": str(n), "enterprise_name": f"示例企业{n}有限公司", "credit_code": SAMPLE_CREDIT_CODE,
                         "project_name": "示例项目", "unit_name": "示例乡镇", "tier_label": "基础级"} for n in (1, 2)]}


def check_template(data: bytes, required: tuple[str, ...] = REQUIRED) -> TemplateCheck:
    """A bureau's 认定通知 (or, with ``PUBLICITY_REQUIRED``, 公示) template: valid .docx, valid docxtpl syntax,
    only known placeholders, the required ones."""
    from jinja2 import TemplateSyntaxError, meta

    check = TemplateCheck()
    try:
        ast, problem = parse_docx_template(data)
    except TemplateSyntaxError as exc:
        check.errors.append(f"模板语法错误：{exc.message}（请检查 {{{{ }}}} 与 {{% %}} 是否成对、for 是否有对应的 endfor）")
        return check
    if problem:
        check.errors.append(problem)
        return check
    used = meta.find_undeclared_variables(ast)
    for name in sorted(used - set(PLACEHOLDERS)):
        check.errors.append(f"模板使用了未知的占位符 {name}；可用的占位符见本页列表")
    for name in required:
        if name not in used:
            check.errors.append(f"模板缺少必需的占位符 {name}（{PLACEHOLDERS[name]}）")
    check.used = sorted(used & set(PLACEHOLDERS))
    return check


def render(context: dict, template: bytes | None = None) -> bytes:
    """Fill ``template`` (a bureau's .docx; the built-in one when None), sandboxed."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    docx = DocxTemplate(io.BytesIO(template if template is not None else builtin_template()))
    docx.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def _fonts(style, name: str, size_pt: float, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = name
    style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


@cache
def builtin_template() -> bytes:
    """The built-in notice template (A4, 仿宋 body, 黑体 title), generated once per process."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.4)
    _fonts(document.styles["Normal"], BODY_FONT, 14)
    _fonts(document.styles["Table Grid"], BODY_FONT, 10.5)
    number = document.add_paragraph("{{ document_number }}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ title }}")
    run.bold = True
    run.font.name = HEADING_FONT
    document.add_paragraph("{{ addressee }}")
    document.add_paragraph("{%p for p in paragraphs %}")
    body = document.add_paragraph("{{ p }}")
    body.paragraph_format.first_line_indent = Cm(0.99)
    document.add_paragraph("{%p endfor %}")
    headers = ["序号", "企业名称", "统一社会信用代码", "智能工厂（项目）名称", "所在乡镇（单位）", "{{ tier_header }}"]
    cells = ["{{ e.position }}", "{{ e.enterprise_name }}", "{{ e.credit_code }}", "{{ e.project_name }}",
             "{{ e.unit_name }}", "{{ e.tier_label }}"]
    widths = [1.2, 3.7, 3.9, 3.2, 2.4, 1.6]  # the 16 cm between the margins; a credit code on one line
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):  # the grid, which LibreOffice lays out by
        column.width = Cm(width)
    for i, header in enumerate(headers):
        table.rows[0].cells[i].text = header
    table.rows[1].cells[0].text = "{%tr for e in entries %}"
    for i, text in enumerate(cells):
        table.rows[2].cells[i].text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
            for run in cell.paragraphs[0].runs:  # on the runs too: LibreOffice ignores a table style's size
                run.font.size = Pt(10.5)
    document.add_paragraph("{%p for p in closing %}")
    document.add_paragraph("{{ p }}")
    document.add_paragraph("{%p endfor %}")
    for text in ("{{ issuer }}", "{{ date }}"):
        sign = document.add_paragraph(text)
        sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


