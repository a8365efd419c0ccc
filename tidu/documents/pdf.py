"""PDF renderers (Typst): the 申报书, the 推荐汇总表 and the 推荐名单. They read only the dossier model."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from tidu.core.dates import date_zh
from tidu.documents.dossier import SUMMARY_COLUMNS, Dossier, SummaryRow, format_number
from tidu.documents.typst_engine import compile_pdf


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
    return compile_pdf("application.typ", {"config": config, "dossier": dossier_payload(dossier)})


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
