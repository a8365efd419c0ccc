"""The 认定名单 as CSV and XLSX, built only from the frozen snapshot (``Publicity.final_snapshot``).

Both are reproducible byte for byte: the same snapshot always gives the same file. CSV is UTF-8 with
a byte-order mark (so that Excel opens Chinese text correctly) and CRLF line ends. For XLSX, openpyxl
stamps the save time into docProps/core.xml and into every zip entry; both are replaced by the
finalisation time recorded in the snapshot.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tidu.core.cells import append_row
from tidu.core.dates import date_zh
from tidu.core.downloads import csv_bytes
from tidu.documents.typst_engine import compile_pdf


def final_table(snapshot: dict) -> tuple[list[str], list[list]]:
    columns = snapshot["columns"]
    headers = [column["label"] for column in columns]
    rows = [[entry[column["key"]] for column in columns] for entry in snapshot["entries"]]
    return headers, rows


def final_csv(snapshot: dict) -> bytes:
    return csv_bytes(*final_table(snapshot))


def _fixed_moment(snapshot: dict) -> dt.datetime:
    moment = dt.datetime.fromisoformat(snapshot["finalised_at"]).astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _normalise_zip(data: bytes, moment: dt.datetime) -> bytes:
    """Rewrite an .xlsx with fixed timestamps so that equal content gives equal bytes."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    date_time = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: f"{m.group(1)}{stamp}{m.group(3)}", text)
                content = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return output.getvalue()


def final_xlsx(snapshot: dict) -> bytes:
    headers, rows = final_table(snapshot)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "认定名单"
    width = len(headers)
    append_row(sheet, [snapshot["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    list_date = dt.date.fromisoformat(snapshot["list_date"])
    append_row(sheet, [f"{snapshot['issuer']}　公布日期：{list_date.year}年{list_date.month}月{list_date.day}日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    append_row(sheet, headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for letter, size in zip("ABCDEFG", (6, 36, 22, 36, 22, 10, 36), strict=False):
        sheet.column_dimensions[letter].width = size
    sheet.freeze_panes = "A4"
    moment = _fixed_moment(snapshot)
    workbook.properties.creator = snapshot["issuer"]
    workbook.properties.title = snapshot["title"]
    workbook.properties.created = moment
    workbook.properties.modified = moment
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _normalise_zip(buffer.getvalue(), moment)


# Rows where the data starts in the XLSX (after the title, the issuer line and the header).
XLSX_HEADER_ROW = 3


# --- the call's 认定名单: every finalised 公示 batch of one call, numbered once --------------------------

CALL_BATCH_COLUMN = {"key": "batch_label", "label": "公示批次"}


def call_final_snapshot(call, publicities) -> dict | None:
    """One 认定名单 for the call, from the frozen snapshots of its finalised 公示 batches.

    ``publicities`` are the call's finalised batches (``selectors.call_final_publicities``), in batch order
    (公示开始日期, then creation). The entries keep each batch's own order and are numbered once, 1..n, across
    all of them; each row names the batch it was published in. ``None`` when no batch is finalised yet.
    """
    batches = [p for p in publicities if p.final_snapshot]
    if not batches:
        return None
    first = batches[0].final_snapshot
    columns = [dict(column) for column in first["columns"]] + [CALL_BATCH_COLUMN]
    entries = []
    for publicity in batches:
        snapshot = publicity.final_snapshot
        label = f"{snapshot['publicity']['title']}（{snapshot['list_date']}）"
        for entry in snapshot["entries"]:
            entries.append({**entry, "position": len(entries) + 1, "batch_label": label})
    last = max(batches, key=lambda p: p.final_snapshot["finalised_at"]).final_snapshot
    return {
        "format": first.get("format"),
        "title": first["title"],  # the call's title: every batch's snapshot carries the same one
        "issuer": first["issuer"],
        "call": call.code,
        "list_date": last["list_date"],
        "finalised_at": last["finalised_at"],
        "batches": [{"id": p.pk, "title": p.final_snapshot["publicity"]["title"],
                     "list_date": p.final_snapshot["list_date"], "count": len(p.final_snapshot["entries"])}
                    for p in batches],
        "columns": columns,
        "entries": entries,
    }


def call_final_filename(snapshot: dict, extension: str) -> str:
    """Distinct from a single batch's file (which is named by the title alone)."""
    return f"{snapshot['title']}（全部批次）.{extension}"


def call_final_pdf(snapshot: dict) -> bytes:
    headers, rows = final_table(snapshot)
    return compile_pdf("final_list.typ", {
        "title": snapshot["title"], "issuer": snapshot["issuer"],
        "date": date_zh(dt.date.fromisoformat(snapshot["list_date"])),
        "headers": headers, "rows": [["" if value is None else str(value) for value in row] for row in rows],
        "widths": [1.1, 5.0, 3.6, 5.0, 3.0, 1.7, 4.0][:len(headers)],
    })
