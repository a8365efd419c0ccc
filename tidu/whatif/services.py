"""The what-if: every submitted application of a call re-judged under a draft pack, clause by clause.

For each application the latest receipt's frozen interchange document (built by the project from cleaned
sections, so the engine's trusted path) is judged twice with the same engine: under the policy the call uses now
("before") and under the draft ("after"). A row is kept for each clause whose result differs. Nothing but the run
row is written: stored verdicts and receipts stay exactly as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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
from tidu.whatif.models import WhatIfRow, WhatIfRun
from tidu.whatif.operations import WhatIfStart

logger = logging.getLogger(__name__)


def chunk_size() -> int:
    """Applications judged per committed chunk (the batch jobs' setting: one knob for every chunked job)."""
    return max(1, int(getattr(settings, "TIDU_BATCH_CHUNK_SIZE", 100)))


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


def run_whatif(run_id: int, *, between_chunks=None) -> dict:
    """Judge the run's applications after its cursor, chunk by chunk; safe to run again, or twice at once.

    Each chunk is one transaction with the run row locked: its changed rows, the counters in ``summary`` and the
    cursor are written together, so a worker killed mid-chunk rolls that chunk back and the run started again
    (``tidu resume_batches``) neither skips an application nor counts one twice."""
    run = WhatIfRun.objects.select_related("draft", "call", "created_by").get(pk=run_id)
    if run.is_finished:
        return {"status": run.status}
    try:
        before_policy = call_policy_for(run.call)
        after_policy = policy_of_document(run.draft.document, run.draft.ref)
    except PackError as exc:
        _finish(run_id, WhatIfRun.Status.FAILED, _("草稿未通过策略包校验：%(error)s") % {"error": exc.message})
        return {"status": "failed"}
    # Whoever started the run must still see every application it reads (the city sees every submitted one).
    applications = applications_visible_to(run.created_by).filter(call=run.call)
    with transaction.atomic():
        run = WhatIfRun.objects.select_for_update().get(pk=run_id)
        if run.status == WhatIfRun.Status.PENDING:
            run.summary = {"total": applications.count(), "seen": 0, "judged": 0, "outcome_changed": 0, "errors": [],
                           "before": before_policy.call.ref, "after": after_policy.call.ref, "clauses": []}
            run.status, run.progress, run.message = WhatIfRun.Status.RUNNING, 1, "开始试算"
            run.progressed_at = timezone.now()
            run.save(update_fields=["summary", "status", "progress", "message", "progressed_at"])
    try:
        while _judge_chunk(run_id, applications, before_policy, after_policy):
            if between_chunks is not None:
                between_chunks(run_id)
    except Exception as exc:
        logger.exception("what-if %s failed", run_id)
        _finish(run_id, WhatIfRun.Status.FAILED, f"试算失败：{type(exc).__name__}。请稍后重试或联系管理员。")
        return {"status": "failed"}
    run = WhatIfRun.objects.get(pk=run_id)
    return {"status": run.status, "changed": run.summary.get("outcome_changed", 0)}


def _finish(run_id: int, status: str, message: str) -> None:
    WhatIfRun.objects.filter(pk=run_id).update(status=status, message=message[:500], finished_at=timezone.now())


def _judge_chunk(run_id: int, applications, before_policy, after_policy) -> bool:
    """Judge the next chunk after the cursor; False once the run is finished (by this call or another)."""
    with transaction.atomic():
        run = WhatIfRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return False
        ids = list(applications.filter(pk__gt=run.cursor).order_by("pk").values_list("pk", flat=True)[:chunk_size()])
        summary = run.summary
        now = timezone.now()
        if not ids:
            run.status, run.progress, run.message = WhatIfRun.Status.DONE, 100, "已完成"
            run.finished_at = run.progressed_at = now
            run.save(update_fields=["status", "progress", "message", "finished_at", "progressed_at"])
            return False
        per_clause = {item["clause"]: Counter({k: v for k, v in item.items() if k != "clause"})
                      for item in summary.get("clauses", [])}
        latest = _latest_submissions(ids)
        changes: list[WhatIfRow] = []
        for application_id in ids:
            submission = latest.get(application_id)
            interchange = (submission.snapshot or {}).get("interchange") if submission else None
            if not interchange:
                continue
            enterprise = submission.application.enterprise.name
            try:
                before = evaluate(before_policy, {**interchange, "call": before_policy.code}, trusted=True)
                after = evaluate(after_policy, {**interchange, "call": after_policy.code}, trusted=True)
            except InterchangeError as exc:
                if len(summary["errors"]) < 50:
                    summary["errors"].append(f"{submission.number}（{enterprise}）：{exc}")
                continue
            summary["judged"] += 1
            summary["outcome_changed"] += before.outcome != after.outcome
            reasons = _reasons(after)
            for clause, old, new in compare(before, after):
                counter = per_clause.setdefault(clause, Counter())
                counter["changed"] += 1
                counter[f"to_{new or 'none'}"] += 1
                changes.append(WhatIfRow(
                    run_id=run_id, application_id=application_id, receipt=submission.number, enterprise=enterprise,
                    clause=clause, before=old, after=new, outcome_before=str(before.outcome),
                    outcome_after=str(after.outcome), stored_outcome=submission.outcome or "",
                    why=reasons.get(clause, "")))
        WhatIfRow.objects.bulk_create(changes)
        summary["clauses"] = [{"clause": clause, **counts} for clause, counts in per_clause.items()]
        total = max(summary.get("total", 0), 1)
        summary["seen"] = position = summary.get("seen", 0) + len(ids)
        run.cursor, run.summary, run.progressed_at = ids[-1], summary, now
        run.progress = max(1, min(99, 100 * position // total))
        run.message = f"已试算 {position}/{summary.get('total', 0)} 家企业"
        run.save(update_fields=["cursor", "summary", "progressed_at", "progress", "message"])
    return True


def stale_runs(*, older_than: dt.timedelta):
    """Runs started but without progress for ``older_than``: their worker died (or never picked them up)."""
    cutoff = timezone.now() - older_than
    return (WhatIfRun.objects.filter(status__in=[WhatIfRun.Status.PENDING, WhatIfRun.Status.RUNNING])
            .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, created_at__lt=cutoff)))


def resume_stale_runs(*, older_than: dt.timedelta) -> list[int]:
    from tidu.whatif.tasks import run_whatif_job

    ids = list(stale_runs(older_than=older_than).values_list("pk", flat=True))
    for pk in ids:
        result = run_whatif_job.enqueue(pk)
        WhatIfRun.objects.filter(pk=pk).update(task_id=str(result.id)[:64])
    return ids


# --- labels and the export -----------------------------------------------------------------------------------

def result_label(value: str) -> str:
    return _(Result(value).label) if value in Result._value2member_map_ else "—"


def outcome_label(value: str) -> str:
    return _(Outcome(value).label) if value in Outcome._value2member_map_ else "—"


def export_headers() -> list[str]:
    return [_("回执编号"), _("企业名称"), _("条款"), _("原结果"), _("新结果"), _("原结论"), _("新结论"), _("提交时判定"), _("新结果的理由")]


def export_rows(run: WhatIfRun):
    """The run's changed rows as export lines, read from the table in id order a chunk at a time."""
    for row in run.changes.order_by("id").iterator(chunk_size=2000):
        yield [row.receipt, row.enterprise, row.clause, result_label(row.before), result_label(row.after),
               outcome_label(row.outcome_before), outcome_label(row.outcome_after), outcome_label(row.stored_outcome),
               row.why]


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
