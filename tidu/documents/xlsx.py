"""Excel renderers (openpyxl): the 推荐汇总表 (附件4, editable) and the 推荐名单 (附件5).

The built-in 汇总表 is laid out with openpyxl (title, header, column widths, wrapping, borders, frozen
header, print settings, the first data row); the remaining data rows, all styled like the first, are
streamed straight into the sheet's XML. openpyxl spends about 20 µs per styled cell, which would make
a city-wide export of 10,000 applications take several seconds; streaming keeps it well under one.
Numbers stay numbers (序号, 成熟度得分, 场景数, AI场景数); the file opens and stays editable in Excel/WPS.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter

from tidu.core.cells import append_row, clean_text, set_cell
from tidu.core.dates import date_zh
from tidu.documents.dossier import NUMERIC_SUMMARY_COLUMNS, SUMMARY_COLUMNS, SummaryRow
from tidu.documents.placeholders import XLSX_HEADER_TO_ATTRIBUTE, XLSX_PLACEHOLDER, read_xlsx_layout

FONT_NAME = "宋体"
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name="黑体", size=16, bold=True)
HEADER_FONT = Font(name="黑体", size=10, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
# Characters XML 1.0 forbids (as openpyxl's ILLEGAL_CHARACTERS_RE).
SHEET_PATH = "xl/worksheets/sheet1.xml"


def _put(cell, template_value: Any, filled: Any) -> None:
    """A template cell filled from the application is data (never a formula); the bureau's own cells, formulas
    included, stay as the bureau wrote them."""
    if isinstance(template_value, str) and "{{" in template_value:
        set_cell(cell, filled)
    else:
        cell.value = filled


def _xlsx_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell_xml(ref: str, value: Any, style: str) -> str:
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    text = escape(clean_text(str(value)))  # always an inline string: never a formula
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _stream_rows(package: bytes, first_row: int, rows: Iterable[list[Any]], last_column: str,
                 target: BinaryIO) -> None:
    """Write to ``target`` the workbook ``package`` with ``rows`` appended after the row ``first_row - 1`` of sheet
    1, each cell styled like the cell above it. Rows are consumed one at a time and written into the compressed
    sheet as they come: only the current row is held. The sheet's optional ``<dimension>`` (its used range, known
    only at the end) is left out; Excel, WPS and openpyxl work it out from the rows."""
    source = zipfile.ZipFile(io.BytesIO(package))
    sheet = source.read(SHEET_PATH).decode("utf-8")
    template = re.search(rf'<row r="{first_row - 1}"[^>]*>(.*?)</row>', sheet, re.S)
    style_of = {}
    for attributes in re.findall(r"<c\b([^>]*)>", template.group(1)):
        column = re.search(r'\br="([A-Z]+)\d+"', attributes)
        style = re.search(r'\bs="(\d+)"', attributes)
        if column:
            style_of[column.group(1)] = style.group(1) if style else "0"
    columns = [get_column_letter(i) for i in range(1, column_index_from_string(last_column) + 1)]
    sheet = re.sub(r'<dimension ref="[^"]*"/>', "", sheet, count=1)
    head, tail = sheet.split("</sheetData>", 1)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package_out:
        for info in source.infolist():
            if info.filename != SHEET_PATH:
                package_out.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
                continue
            entry = zipfile.ZipInfo(SHEET_PATH, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with package_out.open(entry, "w") as out:  # no ZIP64: Excel warns on it; a sheet stays far below 2 GiB
                out.write(head.encode("utf-8"))
                for number, values in enumerate(rows, start=first_row):
                    cells = "".join(_cell_xml(f"{column}{number}", value, style_of.get(column, "0"))
                                    for column, value in zip(columns, values, strict=True))
                    out.write(f'<row r="{number}">{cells}</row>'.encode())
                out.write(("</sheetData>" + tail).encode("utf-8"))


def render_summary_xlsx(rows: Iterable[SummaryRow], *, title: str, unit_name: str = "",
                        date: dt.date | None = None, template: bytes | None = None) -> bytes:
    """The 推荐汇总表: one row per application, in the order given (the priority order), as bytes."""
    out = io.BytesIO()
    write_summary_xlsx(rows, out, title=title, unit_name=unit_name, date=date, template=template)
    return out.getvalue()


def write_summary_xlsx(rows: Iterable[SummaryRow], target: BinaryIO, *, title: str, unit_name: str = "",
                       date: dt.date | None = None, template: bytes | None = None) -> None:
    """Write the 推荐汇总表 to the binary file ``target``. ``rows`` may be any iterable, a generator reading the
    applications chunk by chunk included: the built-in layout takes one row at a time and streams it into the
    compressed sheet, so memory does not grow with the number of rows. An uploaded template is filled through
    openpyxl, which holds the whole sheet (its rows are read into a list)."""
    if template is not None:
        target.write(render_summary_xlsx_from_template(template, list(rows), title=title, unit_name=unit_name,
                                                       date=date))
        return
    rows = iter(rows)
    first = next(rows, None)
    width = len(SUMMARY_COLUMNS)
    last = get_column_letter(width)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "推荐汇总表"
    append_row(sheet, [title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font, sheet["A1"].alignment = TITLE_FONT, CENTER
    sheet.row_dimensions[1].height = 30
    append_row(sheet, [f"填报单位（盖章）：{unit_name}"] + [None] * (width - 4) + [f"填报日期：{date_zh(date)}"])
    sheet.merge_cells(f"A2:{get_column_letter(width - 3)}2")
    sheet.merge_cells(f"{get_column_letter(width - 2)}2:{last}2")
    sheet["A2"].font = BODY_FONT
    sheet.cell(2, width - 2).font = BODY_FONT
    sheet.cell(2, width - 2).alignment = Alignment(horizontal="right")
    append_row(sheet, [header for _, header, _ in SUMMARY_COLUMNS])
    for column, (_, _, chars) in enumerate(SUMMARY_COLUMNS, start=1):
        cell = sheet.cell(3, column)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
        sheet.column_dimensions[get_column_letter(column)].width = chars + 2
    sheet.row_dimensions[3].height = 28
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    numeric = {i for i, (attribute, _, _) in enumerate(SUMMARY_COLUMNS) if attribute in NUMERIC_SUMMARY_COLUMNS}
    if first is None:
        workbook.save(target)
        return
    # The first data row through openpyxl: it defines the style every streamed row copies.
    append_row(sheet, first.values())
    for column in range(1, width + 1):
        cell = sheet.cell(4, column)
        cell.font, cell.border = BODY_FONT, BORDER
        cell.alignment = CENTER if column - 1 in numeric else WRAP
    _stream_rows(_xlsx_bytes(workbook), 5, (row.values() for row in rows), last, target)


def render_summary_xlsx_from_template(template: bytes, rows: Sequence[SummaryRow], *, title: str,
                                      unit_name: str = "", date: dt.date | None = None) -> bytes:
    """Fill an uploaded 汇总表 template: the placeholder row is repeated once per application."""
    workbook = load_workbook(io.BytesIO(template))
    layout, errors = read_xlsx_layout(workbook)
    if errors or layout is None or layout.row is None:
        from tidu.documents.typst_engine import DocumentError

        raise DocumentError("汇总表模板无效：" + "；".join(errors or ["没有数据行占位符"]))
    sheet = workbook.worksheets[0]
    sheet_values = {"标题": title, "填报单位": unit_name, "填报日期": date_zh(date)}
    template_row = layout.row
    # Whatever sits below the placeholder row (notes, signatures) moves down to make room.
    below = [[(cell.value, copy(cell._style)) for cell in row]
             for row in sheet.iter_rows(min_row=template_row + 1, max_row=sheet.max_row)]
    below_merges = [m for m in sheet.merged_cells.ranges if m.min_row > template_row]
    for merged in below_merges:
        sheet.unmerge_cells(merged.coord)
    row_cells = {cell.column: (cell.value, copy(cell._style)) for cell in sheet[template_row]}
    height = sheet.row_dimensions[template_row].height
    for row in sheet.iter_rows(min_row=template_row + 1, max_row=sheet.max_row):
        for cell in row:
            if not isinstance(cell, MergedCell):
                cell.value = None

    def fill(text: Any, row: SummaryRow | None) -> Any:
        if not isinstance(text, str) or "{{" not in text:
            return text
        names = XLSX_PLACEHOLDER.findall(text)
        lookup = {}
        for name in names:
            if name in sheet_values:
                lookup[name] = sheet_values[name]
            elif row is not None and name in XLSX_HEADER_TO_ATTRIBUTE:
                lookup[name] = getattr(row, XLSX_HEADER_TO_ATTRIBUTE[name])
        whole = XLSX_PLACEHOLDER.fullmatch(text.strip())
        if whole and whole.group(1) in lookup:
            return lookup[whole.group(1)]  # a cell that is only a placeholder keeps the value's type
        return XLSX_PLACEHOLDER.sub(lambda m: "" if lookup.get(m.group(1)) is None else str(lookup[m.group(1)]),
                                    text)

    for row in sheet.iter_rows(max_row=template_row - 1):
        for cell in row:
            if not isinstance(cell, MergedCell):
                _put(cell, cell.value, fill(cell.value, None))
    for offset, summary in enumerate(rows):
        number = template_row + offset
        for column, (value, style) in row_cells.items():
            cell = sheet.cell(number, column)
            if isinstance(cell, MergedCell):
                continue
            _put(cell, value, fill(value, summary))
            cell._style = copy(style)
        if height:
            sheet.row_dimensions[number].height = height
    shift = max(len(rows), 1) - 1
    if not rows:
        for column in row_cells:
            if not isinstance(sheet.cell(template_row, column), MergedCell):
                sheet.cell(template_row, column).value = None
    for index, row in enumerate(below, start=template_row + 1 + shift):
        for column, (value, style) in enumerate(row, start=1):
            cell = sheet.cell(index, column)
            if isinstance(cell, MergedCell):
                continue
            _put(cell, value, fill(value, None))
            cell._style = copy(style)
    for merged in below_merges:
        merged.shift(0, shift)
        sheet.merge_cells(merged.coord)
    return _xlsx_bytes(workbook)


def render_recommendation_list_xlsx(unit_name: str, date: dt.date | None, entries: Sequence[Any], *,
                                    title: str = "拟推荐基础级智能工厂名单") -> bytes:
    """The township's 推荐名单 (附件5), editable, with the signature and seal block."""
    from tidu.documents.pdf import RECOMMENDATION_COLUMNS, recommendation_entries

    normalised = recommendation_entries(entries)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "推荐名单"
    widths = (7, 36, 22, 10, 30)
    last = get_column_letter(len(widths))
    append_row(sheet, ["附件5"])
    sheet["A1"].font = HEADER_FONT
    append_row(sheet, [title])
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"].font, sheet["A2"].alignment = TITLE_FONT, CENTER
    sheet.row_dimensions[2].height = 30
    append_row(sheet, [f"推荐单位（盖章）：{unit_name}", None, None, f"日期：{date_zh(date)}"])
    sheet.merge_cells("A3:C3")
    sheet.merge_cells(f"D3:{last}3")
    sheet["A3"].font = sheet["D3"].font = BODY_FONT
    append_row(sheet, [header for header, _ in RECOMMENDATION_COLUMNS])
    for column, chars in enumerate(widths, start=1):
        cell = sheet.cell(4, column)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
        sheet.column_dimensions[get_column_letter(column)].width = chars
    for entry in normalised:
        append_row(sheet, [int(entry["order"])] + [entry[key] for _, key in RECOMMENDATION_COLUMNS[1:]])
        for column in range(1, len(widths) + 1):
            cell = sheet.cell(sheet.max_row, column)
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = CENTER if column in (1, 4) else WRAP
    sheet.freeze_panes = "A5"
    append_row(sheet, [])
    for left, right in (("经办人（签字）：", "联系电话："), ("负责人（签字）：", "单位（盖章）："), ("", "日期：　　年　　月　　日")):
        append_row(sheet, [left, None, None, right])
        sheet.cell(sheet.max_row, 1).font = BODY_FONT
        sheet.cell(sheet.max_row, 4).font = BODY_FONT
        sheet.row_dimensions[sheet.max_row].height = 30
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return _xlsx_bytes(workbook)


def builtin_summary_template() -> bytes:
    """A starting point for a bureau's own 汇总表 template: title, header and one placeholder row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "推荐汇总表"
    width = len(SUMMARY_COLUMNS)
    last = get_column_letter(width)
    append_row(sheet, ["{{标题}}"])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font, sheet["A1"].alignment = TITLE_FONT, CENTER
    append_row(sheet, ["填报单位（盖章）：{{填报单位}}"] + [None] * (width - 4) + ["填报日期：{{填报日期}}"])
    append_row(sheet, [header for _, header, _ in SUMMARY_COLUMNS])
    append_row(sheet, ["{{" + header + "}}" for _, header, _ in SUMMARY_COLUMNS])
    for column, (_, _, chars) in enumerate(SUMMARY_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = chars + 2
        for row, font in ((3, HEADER_FONT), (4, BODY_FONT)):
            cell = sheet.cell(row, column)
            cell.font, cell.border, cell.alignment = font, BORDER, CENTER if row == 3 else WRAP
        sheet.cell(3, column).fill = HEADER_FILL
    append_row(sheet, [])
    append_row(sheet, ["注：按推荐优先顺序排列。"])
    sheet.freeze_panes = "A4"
    return _xlsx_bytes(workbook)
