"""The what-if: every submitted application of a call re-judged under a draft pack, clause by clause.

For each application the latest receipt's frozen interchange document (built by the project from cleaned
sections, so the engine's trusted path) is judged twice with the same engine: under the policy the call uses now
("before") and under the draft ("after"). A row is kept for each clause whose result differs. Nothing but the run
row is written: stored verdicts and receipts stay exactly as they are.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tidu.applications.models import Submission
from tidu.applications.selectors import applications_visible_to
from tidu.core.cells import set_cell
from tidu.core.downloads import csv_bytes
from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Outcome, Result
from tidu.eligibility.interchange import InterchangeError
from tidu.policy.loader import PackError
from tidu.policy.selectors import call_policy_for, policy_of_document
from tidu.whatif.models import WhatIfRun
from tidu.whatif.operations import WhatIfStart

logger = logging.getLogger(__name__)
CHUNK = 200


def start_whatif(*, draft, call, user) -> WhatIfRun:
    from tidu.whatif.tasks import run_whatif_job

    run = WhatIfStart(draft, call=call).execute(user)
    result = run_whatif_job.enqueue(run.pk)
    WhatIfRun.objects.filter(pk=run.pk, task_id="").update(task_id=str(result.id)[:64])
    run.refresh_from_db()
    return run


def _latest_submissions(application_ids: list[int]) -> dict[int, Submission]:
    latest: dict[int, Submission] = {}
    rows = (Submission.objects.filter(application_id__in=application_ids)
            .select_related("application__enterprise").order_by("application_id", "-submitted_at", "-pk"))
    for submission in rows:
        latest.setdefault(submission.application_id, submission)
    return latest


def _results(verdict) -> dict[str, str]:
    return {finding.clause: str(finding.result) for finding in verdict.findings}


def compare(before, after) -> list[tuple[str, str, str]]:
    """(clause, before, after) for every clause whose result differs (a clause only one side has: "—")."""
    old, new = _results(before), _results(after)
    clauses = [*old, *[c for c in new if c not in old]]
    return [(clause, old.get(clause, ""), new.get(clause, "")) for clause in clauses
            if old.get(clause) != new.get(clause)]


def _reasons(verdict) -> dict[str, str]:
    """clause → the finding's message (why the clause has its result under that pack)."""
    return {finding.clause: finding.message for finding in verdict.findings}


def run_whatif(run_id: int) -> dict:
    run = WhatIfRun.objects.select_related("draft", "call", "created_by").get(pk=run_id)
    if run.is_finished:
        return {"status": run.status}
    WhatIfRun.objects.filter(pk=run_id).update(status=WhatIfRun.Status.RUNNING, progress=1, message="开始试算")
    try:
        summary, rows = _judge_all(run)
    except PackError as exc:
        _finish(run_id, WhatIfRun.Status.FAILED, _("草稿未通过策略包校验：%(error)s") % {"error": exc.message})
        return {"status": "failed"}
    except Exception as exc:
        logger.exception("what-if %s failed", run_id)
        _finish(run_id, WhatIfRun.Status.FAILED, f"试算失败：{type(exc).__name__}。请稍后重试或联系管理员。")
        return {"status": "failed"}
    WhatIfRun.objects.filter(pk=run_id).update(status=WhatIfRun.Status.DONE, progress=100, message="已完成",
                                               summary=summary, rows=rows, finished_at=timezone.now())
    return {"status": "done", "changed": summary["outcome_changed"]}


def _finish(run_id: int, status: str, message: str) -> None:
    WhatIfRun.objects.filter(pk=run_id).update(status=status, message=message[:500], finished_at=timezone.now())


def _judge_all(run: WhatIfRun) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    before_policy = call_policy_for(run.call)
    after_policy = policy_of_document(run.draft.document, run.draft.ref)
    # Whoever started the run must still see every application it reads (the city sees every submitted one).
    ids = list(applications_visible_to(run.created_by).filter(call=run.call).order_by("pk")
               .values_list("pk", flat=True))
    total, judged, outcome_changed, errors = len(ids), 0, 0, []
    per_clause: dict[str, Counter] = {}
    rows: list[dict[str, Any]] = []
    for start in range(0, total, CHUNK):
        latest = _latest_submissions(ids[start:start + CHUNK])
        for application_id in ids[start:start + CHUNK]:
            submission = latest.get(application_id)
            interchange = (submission.snapshot or {}).get("interchange") if submission else None
            if not interchange:
                continue
            enterprise = submission.application.enterprise.name
            try:
                before = evaluate(before_policy, {**interchange, "call": before_policy.code}, trusted=True)
                after = evaluate(after_policy, {**interchange, "call": after_policy.code}, trusted=True)
            except InterchangeError as exc:
                errors.append(f"{submission.number}（{enterprise}）：{exc}")
                continue
            judged += 1
            outcome_moved = before.outcome != after.outcome
            outcome_changed += outcome_moved
            reasons = _reasons(after)
            for clause, old, new in compare(before, after):
                counter = per_clause.setdefault(clause, Counter())
                counter["changed"] += 1
                counter[f"to_{new or 'none'}"] += 1
                rows.append({"application": application_id, "receipt": submission.number, "enterprise": enterprise,
                             "clause": clause, "before": old, "after": new,
                             "outcome_before": str(before.outcome), "outcome_after": str(after.outcome),
                             "stored_outcome": submission.outcome, "why": reasons.get(clause, "")})
        done = min(start + CHUNK, total)
        WhatIfRun.objects.filter(pk=run.pk).update(progress=max(1, min(99, 100 * done // max(total, 1))),
                                                   message=f"已试算 {done}/{total} 家企业")
    summary = {"total": total, "judged": judged, "outcome_changed": outcome_changed, "errors": errors[:50],
               "before": before_policy.call.ref, "after": after_policy.call.ref,
               "clauses": [{"clause": clause, **counts} for clause, counts in per_clause.items()]}
    return summary, rows


# --- labels and the export -----------------------------------------------------------------------------------

def result_label(value: str) -> str:
    return _(Result(value).label) if value in Result._value2member_map_ else "—"


def outcome_label(value: str) -> str:
    return _(Outcome(value).label) if value in Outcome._value2member_map_ else "—"


def export_headers() -> list[str]:
    return [_("回执编号"), _("企业名称"), _("条款"), _("原结果"), _("新结果"), _("原结论"), _("新结论"), _("提交时判定"), _("新结果的理由")]


def export_rows(run: WhatIfRun) -> list[list[str]]:
    return [[row["receipt"], row["enterprise"], row["clause"], result_label(row["before"]),
             result_label(row["after"]), outcome_label(row["outcome_before"]), outcome_label(row["outcome_after"]),
             outcome_label(row.get("stored_outcome", "")), row.get("why", "")] for row in run.rows]


def export_csv(run: WhatIfRun) -> bytes:
    return csv_bytes(export_headers(), export_rows(run))


def export_xlsx(run: WhatIfRun) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("试算结果"))
    sheet.append(export_headers())
    for row in export_rows(run):
        sheet.append([set_cell(WriteOnlyCell(sheet), value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
