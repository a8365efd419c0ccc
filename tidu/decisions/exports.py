"""The city's intake list as XLSX/CSV, with the filters of the page, plus each application's panel score and
the city's latest 评审结论.

The rows are the intake page's rows (``review.selectors.intake_applications`` with the same filters, in the
same order), every page of them. Read in bounded queries: the applications in chunks (``iterator``), and for
each chunk one query for the expert results and one for the conclusions, never one per row. Every value goes
through ``tidu.core.cells``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font

from tidu.applications import revision
from tidu.applications.selectors import VerdictSummary
from tidu.core.cells import append_row
from tidu.core.dates import beijing_text
from tidu.core.downloads import csv_bytes
from tidu.decisions.models import ReviewConclusion
from tidu.experts.models import ExpertReviewResult
from tidu.review import selectors as review_selectors

CHUNK = 500

INTAKE_HEADERS = ("序号", "单位", "推荐顺序", "推荐名单状态", "企业", "统一社会信用代码", "行业", "等级", "状态",
                  "补正期限", "申报编号", "提交时间", "系统判定（提交时）", "不符合项", "需人工复核项", "待填写项",
                  "专家组平均分", "评审结论", "评审结论环节", "评审结论理由")


def _chunks(applications) -> Iterator[list]:
    chunk = []
    for application in applications.iterator(chunk_size=CHUNK):
        chunk.append(application)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _latest_by_application(rows) -> dict:
    latest = {}
    for row in rows:  # oldest first: the last one seen is the latest
        latest[row.application_id] = row
    return latest


def intake_rows(user, filters) -> Iterator[list]:
    """The export's rows (headers: ``INTAKE_HEADERS``), the page's rows in the page's order."""
    tier_names = dict(review_selectors.tier_choices(filters.call))
    applications = review_selectors.intake_applications(user, filters)
    number = 0
    for chunk in _chunks(applications):
        ids = [a.pk for a in chunk]
        results = _latest_by_application(ExpertReviewResult.objects.filter(application_id__in=ids)
                                         .order_by("completed_at", "id").only("application_id", "mean_total"))
        conclusions = _latest_by_application(ReviewConclusion.objects.filter(application_id__in=ids)
                                             .order_by("recorded_at", "id"))
        for application in chunk:
            number += 1
            entry = getattr(application, "recommendation_entry", None)
            summary = VerdictSummary.annotated(application)
            counts = summary.counts if summary else {}
            result = results.get(application.pk)
            conclusion = conclusions.get(application.pk)
            due = application.revision_due if revision.pending(application) else None
            yield [
                number,
                application.enterprise.organisation.parent.name if application.enterprise.organisation.parent else "",
                entry.priority if entry else None,
                "" if entry is None or entry.recommendation_list.is_sent
                else entry.recommendation_list.get_status_display(),
                application.enterprise.name,
                application.enterprise.credit_code,
                application.enterprise.industry_code,
                tier_names.get(application.tier, application.tier),
                application.status_label,
                due,
                application.latest_number or "",
                beijing_text(application.latest_submitted_at, "%Y-%m-%d %H:%M"),
                summary.outcome_label if summary else "",
                counts.get("fail", 0) if summary else None,
                counts.get("review", 0) if summary else None,
                counts.get("missing", 0) if summary else None,
                result.mean_total if result else None,
                conclusion.get_outcome_display() if conclusion else "",
                conclusion.get_stage_display() if conclusion else "",
                conclusion.reasons if conclusion else "",
            ]


def headers() -> list[str]:
    return [gettext(h) for h in INTAKE_HEADERS]


def intake_csv(user, filters) -> bytes:
    return csv_bytes(headers(), intake_rows(user, filters))


def intake_xlsx(user, filters) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "受理列表"
    append_row(sheet, [gettext("筛选条件：%(filters)s") % {"filters": filters.describe()}])
    append_row(sheet, headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in intake_rows(user, filters):
        append_row(sheet, row)
    for letter, width in zip("ABCDEFGHIJKLMNOPQRST", (6, 20, 8, 10, 32, 22, 8, 10, 16, 12, 22, 17, 14, 8, 10, 8,
                                                      12, 10, 12, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Where the data starts in the XLSX (after the filter line and the header).
XLSX_FIRST_ROW = 3
