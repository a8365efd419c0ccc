"""PDF renderers (Typst): the 申报书, the 推荐汇总表 and the 推荐名单. They read only the dossier model."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from tidu.core.dates import date_zh
from tidu.documents.dossier import SUMMARY_COLUMNS, Dossier, SummaryRow, format_number
from tidu.documents.typst_engine import compile_pdf, compile_pdf_parts


def dossier_payload(dossier: Dossier) -> dict[str, Any]:
    """The dossier as JSON data for the templates, with the display strings the templates print."""
    data = dossier.as_dict()
    for kpi, row in zip(data["kpis"], dossier.kpis, strict=True):
        for item, given in zip(kpi["inputs"], row.inputs, strict=True):
            item["value_text"] = format_number(given.value)
    for item, entry in zip(data["evidence"], dossier.evidence, strict=True):
        item["size_display"] = entry.size_display
    return data


def render_application_pdf(dossier: Dossier, *, mode: str = "application", parts: Sequence[dict] = (),
                           starts: dict[str, int] | None = None) -> bytes:
    """The 申报书 as PDF. ``mode="bound"`` is the front part of the 装订版 (see bound.py)."""
    config = {"mode": mode, "parts": list(parts), "starts": starts or {}}
    return compile_pdf("application.typ", {"config": config, "dossier": dossier_payload(dossier)}, with_long_runs=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def summary_table_data(rows: Sequence[SummaryRow], *, title: str, unit_name: str = "",
                       date: dt.date | None = None) -> dict[str, Any]:
    return {
        "title": title,
        "unit_name": unit_name,
        "date": date_zh(date) if date else "",
        "columns": [{"header": header, "width": width, "numeric": attribute in ("order", "maturity_score",
                                                                               "scenario_count",
                                                                               "ai_scenario_count")}
                    for attribute, header, width in SUMMARY_COLUMNS],
        "rows": [[_cell(v) for v in row.values()] for row in rows],
    }


def render_summary_pdf(rows: Sequence[SummaryRow], *, title: str, unit_name: str = "",
                       date: dt.date | None = None) -> bytes:
    """The 推荐汇总表 (附件4) as a landscape PDF table, rows in the order given."""
    return compile_pdf("summary.typ", summary_table_data(rows, title=title, unit_name=unit_name, date=date))


RECOMMENDATION_COLUMNS = (("序号", "order"), ("企业名称", "enterprise_name"), ("统一社会信用代码", "credit_code"),
                          ("申报等级", "tier_name"), ("推荐意见", "recommendation"))


def recommendation_entries(entries: Sequence[Any]) -> list[dict[str, str]]:
    """Normalise entries (dicts or objects with the attributes above; 序号 follows the order given)."""
    out = []
    for number, entry in enumerate(entries, start=1):
        def get(key, entry=entry):
            value = entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)
            return "" if value is None else str(value)
        out.append({"order": str(number), "enterprise_name": get("enterprise_name"),
                    "credit_code": get("credit_code"), "tier_name": get("tier_name"),
                    "recommendation": get("recommendation")})
    return out


def render_recommendation_list_pdf(unit_name: str, date: dt.date | None, entries: Sequence[Any], *,
                                   title: str = "拟推荐基础级智能工厂名单") -> bytes:
    """The township's 推荐名单 (附件5) with a signature and seal block."""
    return compile_pdf("recommendation_list.typ", {
        "title": title, "unit_name": unit_name, "date": date_zh(date) if date else "",
        "headers": [h for h, _ in RECOMMENDATION_COLUMNS], "entries": recommendation_entries(entries)})


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# Rows per Typst document when a 汇总表 is set in parts (each part in its own worker process): ~20 pages.
SUMMARY_PART_ROWS = 250


def write_summary_pdf(rows: Iterable[SummaryRow], out: BinaryIO, *, title: str, unit_name: str = "",
                      date: dt.date | None = None, part_rows: int | None = None, progress=None) -> int:
    """The 推荐汇总表 PDF of ``rows`` written to ``out``; returns its page count.

    Up to ``part_rows`` rows it is ``render_summary_pdf`` (one document). A longer table is set in parts of
    ``part_rows`` rows, each in a worker process (``typst_engine.compile_pdf_parts``: Typst's memory goes with the
    worker), only the first with the title; the parts are joined and every page gets the one footer of the whole
    file (第 X 页 共 Y 页), set once by ``summary_pages.typ`` and stamped on each page as a form XObject (no page's
    content is parsed). Each part starts on a new page. Rows are read from ``rows`` one part at a time."""
    size = part_rows or SUMMARY_PART_ROWS
    source = iter(rows)
    first = list(itertools.islice(source, size))
    following = list(itertools.islice(source, size))
    if not following:
        data = render_summary_pdf(first, title=title, unit_name=unit_name, date=date)
        out.write(data)
        return page_count(data)

    def parts():
        part, is_first, number = first, True, 0
        while part:
            number += 1
            yield {**summary_table_data(part, title=title, unit_name=unit_name, date=date),
                   "part": {"first": is_first, "numbered": False}}
            if progress:
                progress(number)
            part, is_first = (following if number == 1 else list(itertools.islice(source, size))), False

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in compile_pdf_parts("summary.typ", parts()):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    numbers = next(compile_pdf_parts("summary_pages.typ", [{"pages": len(writer.pages)}]))
    for page, stamp in zip(writer.pages, PdfReader(io.BytesIO(numbers)).pages, strict=True):
        _stamp(writer, page, stamp)
    writer.write(out)
    return len(writer.pages)


def _stamp(writer, page, stamp) -> None:
    """Draw ``stamp`` (a page of another PDF) over ``page`` as a form XObject: the page's own content streams are
    kept as they are, wrapped in q … Q, and one ``Do`` is appended (pypdf's merge_page would parse them)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes, **entries):
        made = DecodedStreamObject()
        made.set_data(data)
        for key, value in entries.items():
            made[NameObject(key)] = value
        return writer._add_object(made)

    form = stream(stamp.get_contents().get_data(), **{
        "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Form"),
        "/BBox": ArrayObject(stamp.mediabox), "/Resources": stamp["/Resources"].get_object().clone(writer)})
    resources = DictionaryObject(page["/Resources"].get_object())  # per page: resources may be shared
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject("/TiduPageNumber")] = form
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    contents = page["/Contents"]
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [stream(b"q\n"), *existing, stream(b"\nQ\nq /TiduPageNumber Do Q\n")])
