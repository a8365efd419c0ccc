"""Expert scores of a call as XLSX for the city: per application, per expert and per criterion.

Only applications whose scores are unsealed: every assigned (not withdrawn) expert has submitted
(``selectors.ReviewState.all_in``, the sealed-scoring rule). Read in bounded queries (the call's assignments
with their scores, the recorded results), never one query per application. One sheet per rubric (its criteria are
the columns), and a 汇总 sheet with each application's experts' totals and the recorded panel mean. Every value
through ``tidu.core.cells``.
"""

from __future__ import annotations

import io
from collections import defaultdict

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Font

from tidu.accounts import permissions as accounts
from tidu.core.cells import append_row
from tidu.experts.models import Assignment, CriterionScore, ExpertReviewResult

Status = Assignment.Status


def unsealed_assignments(user, call) -> dict[int, list[Assignment]]:
    """Application id → its active assignments (in assignment order), for the applications of ``call`` whose
    scores are unsealed; nothing for anyone but the city."""
    if not accounts.is_city_user(user):
        return {}
    rows = (Assignment.objects.filter(application__call=call).exclude(status=Status.WITHDRAWN)
            .select_related("application__enterprise__organisation__parent", "expert", "rubric")
            .prefetch_related(Prefetch("scores", CriterionScore.objects.select_related("criterion")),
                              "rubric__criteria")
            .order_by("application__enterprise__organisation__parent__name", "application__enterprise__name",
                      "application_id", "assigned_at", "id"))
    grouped: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in rows:
        grouped[assignment.application_id].append(assignment)
    return {pk: items for pk, items in grouped.items() if all(a.status == Status.SUBMITTED for a in items)}


def _bold(sheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def scores_xlsx(user, call) -> bytes:
    grouped = unsealed_assignments(user, call)
    results = {}
    for result in (ExpertReviewResult.objects.filter(application_id__in=list(grouped))
                   .order_by("completed_at", "id")):
        results[result.application_id] = result  # the latest one counts
    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    append_row(summary, [f"{call.title}　专家评分汇总（仅含评分已全部提交的申报）"])
    append_row(summary, ["序号", "所在乡镇（单位）", "企业名称", "专家人数", "各专家总分", "专家组平均分（评审完成时记录）"])
    _bold(summary, 2)
    sheets = {}
    for number, (application_id, assignments) in enumerate(grouped.items(), start=1):
        application = assignments[0].application
        enterprise = application.enterprise
        unit = enterprise.organisation.parent.name if enterprise.organisation.parent else ""
        result = results.get(application_id)
        append_row(summary, [number, unit, enterprise.name, len(assignments),
                             "、".join(f"{a.expert.display_name}：{a.total}"
                                      for a in assignments),
                             result.mean_total if result else None])
        rubric = assignments[0].rubric
        sheet_entry = sheets.get(rubric.pk)
        criteria = list(rubric.criteria.all())
        if sheet_entry is None:
            sheet = workbook.create_sheet(title=f"评分明细{len(sheets) + 1}"[:31])
            append_row(sheet, [rubric.title])
            append_row(sheet, ["序号", "企业名称", "专家", *[f"{c.name}（{c.max_points:g}）" for c in criteria],
                               "总分", "评审意见"])
            _bold(sheet, 2)
            sheets[rubric.pk] = sheet
        sheet = sheets[rubric.pk]
        for assignment in assignments:
            points = {score.criterion_id: score.points for score in assignment.scores.all()}
            append_row(sheet, [number, enterprise.name, assignment.expert.display_name,
                               *[points.get(c.pk) for c in criteria], assignment.total, assignment.comments])
    for letter, width in zip("ABCDEF", (6, 20, 32, 8, 50, 18), strict=True):
        summary.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
