"""Producing documents for the web: cached per inputs, long work handed to background tasks.

Small documents (one 申报书 DOCX/PDF, one 汇总表 row) render in the request through
``application_document``, which reuses the stored file whenever the dossier, the evidence hashes, the
renderer version and the template are unchanged. Bound dossiers and full 汇总表 exports run as
``DocumentJob`` rows processed by the ``run_document_job`` task (django-tasks).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from tidu.applications.models import Application, Submission, sent_list_status
from tidu.core.hashing import sha256_of_bytes
from tidu.core.sizes import human_size
from tidu.core.timezones import local_day
from tidu.documents import operations, selectors
from tidu.documents.dossier import (
    SUMMARY_FACT_FIELDS,
    Dossier,
    EvidenceEntry,
    SummaryRow,
    build_dossier,
    industry_text,
    submission_summary_facts,
)
from tidu.documents.models import DocumentJob, DocumentTemplate, DossierDocument, SummaryFacts
from tidu.documents.typst_engine import DocumentError
from tidu.policy.call_policy import CallPolicy
from tidu.policy.selectors import call_policy_for

logger = logging.getLogger(__name__)

Kind = DossierDocument.Kind
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
KIND_EXTENSION = {Kind.APPLICATION_PDF: "pdf", Kind.APPLICATION_DOCX: "docx", Kind.SUMMARY_ROW_XLSX: "xlsx",
                  Kind.SUMMARY_ROW_PDF: "pdf", Kind.BOUND_PDF: "pdf"}
KIND_FILENAME = {Kind.APPLICATION_PDF: "申报书", Kind.APPLICATION_DOCX: "申报书", Kind.SUMMARY_ROW_XLSX: "推荐汇总表",
                 Kind.SUMMARY_ROW_PDF: "推荐汇总表", Kind.BOUND_PDF: "申报材料（装订版）"}


def summary_title(policy: CallPolicy) -> str:
    content = policy.call.content
    return f"{content['region']['city']}{content['year']}年度{policy.call_tier['name']}智能工厂项目推荐汇总表"


def recommendation_list_title(policy: CallPolicy) -> str:
    return f"拟推荐{policy.call_tier['name']}智能工厂名单"


def active_template(call, kind: str) -> DocumentTemplate | None:
    return DocumentTemplate.objects.filter(call=call, kind=kind, is_active=True).first()


def _read_template(template: DocumentTemplate | None) -> bytes | None:
    if template is None:
        return None
    with template.file.open("rb") as handle:
        return handle.read()


def evidence_reader(application: Application) -> Callable[[EvidenceEntry], bytes]:
    files = {e.pk: e for e in application.evidence.all()}

    def read(entry: EvidenceEntry) -> bytes:
        evidence = files.get(entry.evidence_id)
        if evidence is None:
            raise OSError("evidence removed")
        with evidence.file.open("rb") as handle:
            return handle.read()

    return read


def download_name(dossier: Dossier, kind: str) -> str:
    name = dossier.cover.enterprise_name or f"申报{dossier.application_id}"
    return f"{KIND_FILENAME[kind]}-{name}.{KIND_EXTENSION[kind]}"


# --- rendering one kind ----------------------------------------------------------------------------------

def render_kind(kind: str, dossier: Dossier, application: Application, *, template: bytes | None = None,
                policy: CallPolicy | None = None,
                progress: Callable[[int, str], None] | None = None) -> tuple[bytes, int | None]:
    """Render one document kind from the dossier; returns (content, page count if a PDF)."""
    from tidu.documents import docx, pdf, xlsx
    from tidu.documents.bound import render_bound_dossier

    policy = policy or call_policy_for(application.call)
    if kind == Kind.APPLICATION_PDF:
        content = pdf.render_application_pdf(dossier)
        return content, pdf.page_count(content)
    if kind == Kind.APPLICATION_DOCX:
        return docx.render_application_docx(dossier, template), None
    day = _row_date(dossier)
    if kind == Kind.SUMMARY_ROW_XLSX:
        return xlsx.render_summary_xlsx([dossier.summary_row.numbered(1)], title=summary_title(policy),
                                        unit_name=dossier.cover.enterprise_name, date=day, template=template), None
    if kind == Kind.SUMMARY_ROW_PDF:
        content = pdf.render_summary_pdf([dossier.summary_row.numbered(1)], title=summary_title(policy),
                                         unit_name=dossier.cover.enterprise_name, date=day)
        return content, pdf.page_count(content)
    if kind == Kind.BOUND_PDF:
        bound = render_bound_dossier(dossier, evidence_reader(application), progress=progress)
        return bound.pdf, bound.page_count
    raise ValueError(f"unknown document kind {kind!r}")


def _row_date(dossier: Dossier) -> dt.date:
    if dossier.cover.submitted_at:
        return dt.date.fromisoformat(dossier.cover.submitted_at[:10])
    return local_day(timezone.now())


def _template_for(kind: str, call) -> DocumentTemplate | None:
    if kind == Kind.APPLICATION_DOCX:
        return active_template(call, DocumentTemplate.Kind.APPLICATION_DOCX)
    if kind == Kind.SUMMARY_ROW_XLSX:
        return active_template(call, DocumentTemplate.Kind.SUMMARY_XLSX)
    return None


def application_document(application: Application, kind: str, *, dossier: Dossier | None = None,
                         progress: Callable[[int, str], None] | None = None) -> DossierDocument:
    """The stored document of ``kind`` for the application's current inputs, rendering it only if needed."""
    dossier = dossier or build_dossier(application)
    template = _template_for(kind, application.call)
    key = dossier.fingerprint(kind, template.sha256 if template else "builtin")
    existing = DossierDocument.objects.filter(application=application, kind=kind, content_hash=key).first()
    if existing is not None and existing.file and existing.file.storage.exists(existing.file.name):
        return existing
    content, pages = render_kind(kind, dossier, application, template=_read_template(template), progress=progress)
    document = existing or DossierDocument(application=application, kind=kind, content_hash=key)
    document.page_count = pages
    document.verification_code = dossier.cover.verification_code
    document.file.save(f"{kind}.{KIND_EXTENSION[kind]}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # another request rendered the same inputs meanwhile: use theirs
        document.file.delete(save=False)
        return DossierDocument.objects.get(application=application, kind=kind, content_hash=key)
    _discard_stale(application, kind, keep=document.pk)
    return document


def _discard_stale(application: Application, kind: str, keep: int) -> None:
    for stale in DossierDocument.objects.filter(application=application, kind=kind).exclude(pk=keep):
        stale.file.delete(save=False)
        stale.delete()


# --- jobs ----------------------------------------------------------------------------------------------

def _enqueue(job: DocumentJob) -> DocumentJob:
    from tidu.documents.tasks import run_document_job

    result = run_document_job.enqueue(job.pk)
    DocumentJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


class JobRefused(DocumentError):
    """A job for something its creator may not see (the view answers 404: nothing is revealed)."""

    def __init__(self):
        super().__init__("无权生成该文件")


def start_bound_dossier(application: Application, user) -> DocumentJob:
    if not selectors.can_view_dossier(user, application):
        raise JobRefused()
    job = operations.JobStart(application, fields={"kind": DocumentJob.Kind.BOUND_DOSSIER, "application": application,
                                                   "call": application.call}).execute(user)
    return _enqueue(job)


def start_summary_export(*, call, user, application_ids: Sequence[int], unit_name: str,
                         fmt: str = "zip") -> DocumentJob:
    if fmt not in ("xlsx", "pdf", "zip"):
        raise DocumentError(gettext("导出格式无效"))
    allowed = set(selectors.summary_applications(user, call).filter(pk__in=list(application_ids))
                  .values_list("pk", flat=True))
    if not selectors.may_export_summary(user) or any(pk not in allowed for pk in application_ids):
        raise JobRefused()
    job = operations.JobStart(call, fields={"kind": DocumentJob.Kind.SUMMARY_EXPORT, "call": call, "params": {
        "application_ids": list(application_ids), "unit_name": unit_name, "format": fmt}}).execute(user)
    return _enqueue(job)


def run_job(job_id: int) -> dict:
    """Do the work of one job (called by the task); never raises for a document problem."""
    job = DocumentJob.objects.select_related("application__enterprise__organisation", "call", "created_by").get(
        pk=job_id)
    if job.status == DocumentJob.Status.DONE:
        return {"status": job.status}
    DocumentJob.mark_running(job_id)
    progress = DocumentJob.progress_writer(job_id)
    # Checked again when the job runs: whoever started it must still see everything it is made from.
    if not selectors.job_applications_visible(job.created_by, job):
        DocumentJob.mark_failed(job_id, JobRefused().message)
        return {"status": "refused"}
    # The file is written to a temporary file as it is made and handed to the storage from there, in chunks.
    with tempfile.TemporaryFile() as out:
        try:
            if job.kind == DocumentJob.Kind.BOUND_DOSSIER:
                content, name = _run_bound(job, progress)
                out.write(content)
                del content
            else:
                name = _run_summary(job, progress, out)
        except DocumentError as exc:
            DocumentJob.mark_failed(job_id, exc.message)
            return {"status": "failed", "message": exc.message}
        except Exception as exc:
            logger.exception("document job %s failed", job_id)
            DocumentJob.mark_failed(job_id, DocumentJob.failure_message(exc))
            return {"status": "failed"}
        size = out.tell()
        out.seek(0)
        job.refresh_from_db()
        job.result.save(_ascii_name(name), File(out), save=False)
    job.result_name = name
    job.mark_done("result", "result_name")
    return {"status": "done", "bytes": size}


def _ascii_name(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    return f"{sha256_of_bytes(name.encode())[:12]}.{extension}"



def _run_bound(job: DocumentJob, progress) -> tuple[bytes, str]:
    application = job.application
    progress(3, "正在汇总申报内容")
    dossier = build_dossier(application)
    document = application_document(application, Kind.BOUND_PDF, dossier=dossier, progress=progress)
    with document.file.open("rb") as handle:
        content = handle.read()
    return content, download_name(dossier, Kind.BOUND_PDF)


def sent_list_rows(list_ids) -> dict[tuple[int, int], dict]:
    """The rows of the sent 推荐名单 ``list_ids`` keyed by (list, application): one query, each snapshot decoded
    once."""
    recommendation_list_model = Application._meta.get_field("recommendation_entry").related_model._meta.get_field(
        "recommendation_list").related_model
    rows: dict[tuple[int, int], dict] = {}
    lists = recommendation_list_model.objects.filter(pk__in=set(list_ids), status=sent_list_status()).only("pk", "snapshot")
    for recommendation_list in lists:
        for row in (recommendation_list.snapshot or {}).get("entries", []):
            rows.setdefault((recommendation_list.pk, row.get("application")), row)
    return rows


def list_row_in(rows: dict[tuple[int, int], dict], application: Application) -> dict | None:
    """The application's row in its sent 推荐名单, from ``sent_list_rows`` (no query: the entry is select_related);
    None when it is on no sent list."""
    entry = getattr(application, "recommendation_entry", None)
    return None if entry is None else rows.get((entry.recommendation_list_id, application.pk))


def recommended_submission(application: Application, entry: dict):
    """The receipt the signed list names (the content the township recommended); the latest if it names none."""
    submissions = list(application.submissions.all())
    named = [s for s in submissions if s.number and s.number == entry.get("submission_number")]
    return named[0] if named else (submissions[0] if submissions else None)


def summary_source(application: Application | None, list_rows: dict) -> tuple[dict, object] | None:
    """What one 汇总表 row is made of — the application's row in its sent 推荐名单 and the receipt that row names —
    or None when the application has no row (on no sent list, or never submitted). The one rule behind both the
    export page's preview and the export job (``_summary_rows``)."""
    if application is None:
        return None
    entry = list_row_in(list_rows, application)
    submission = recommended_submission(application, entry) if entry is not None else None
    return None if submission is None else (entry, submission)


SUMMARY_CHUNK = 500

# What the export reads of a receipt (and, through it, of its application): short columns, never the snapshot.
_RECEIPT_COLUMNS = ("application_id", "pk", "number", "application__tier", "application__enterprise__name",
                    "application__enterprise__credit_code", "application__enterprise__industry_code",
                    "application__enterprise__organisation__parent__name",
                    "application__recommendation_entry__recommendation_list_id", "summary_facts__policy_sha256",
                    *(f"summary_facts__{name}" for name in SUMMARY_FACT_FIELDS))


def store_summary_facts(submission_ids, policy: CallPolicy | None = None) -> dict[int, dict]:
    """Work out and store the ``SummaryFacts`` of the receipts ``submission_ids`` from their frozen sections
    (replacing facts of another policy); returns them by receipt id. One read, one write."""
    found: dict[int, dict] = {}
    policies: dict[int, CallPolicy] = {}
    receipts = (Submission.objects.filter(pk__in=list(submission_ids)).select_related("application__call")
                .only("pk", "snapshot", "application__call"))
    for receipt in receipts:
        call = receipt.application.call
        chosen = policy or policies.get(call.pk) or policies.setdefault(call.pk, call_policy_for(call))
        facts = submission_summary_facts(chosen, (receipt.snapshot or {}).get("sections", {}))
        found[receipt.pk] = {**facts, "policy_sha256": chosen.sha256}
    if found:
        SummaryFacts.objects.bulk_create(
            [SummaryFacts(submission_id=pk, **facts) for pk, facts in found.items()], update_conflicts=True,
            unique_fields=["submission"], update_fields=["policy_sha256", *SUMMARY_FACT_FIELDS])
    return found


def on_application_transitioned(event, event_id: int) -> None:
    """``documents.summary_facts``: a receipt just frozen (submit, resubmit) gets its ``SummaryFacts``."""
    if event.action not in ("submit", "resubmit"):
        return
    missing = Submission.objects.filter(application_id=event.application_id, summary_facts__isnull=True)
    store_summary_facts(list(missing.values_list("pk", flat=True)))


def summary_rows_in_chunks(user, call, ids: Sequence[int], progress=None) -> list[SummaryRow]:
    """All the rows of ``iter_summary_rows`` in a list (previews)."""
    return list(iter_summary_rows(user, call, ids, progress))


def iter_summary_rows(user, call, ids: Sequence[int], progress=None, *, chunk_size: int | None = None
                      ) -> Iterator[SummaryRow]:
    """The 汇总表 rows of the applications ``ids`` (in that order) that ``user`` may export, yielded chunk by chunk.

    The same rows as ``record_summary_row`` makes (tested), from stored short columns: per chunk of
    ``SUMMARY_CHUNK`` applications **one read** — their receipts joined to the application, the registered
    enterprise, its unit, the 推荐名单 entry and the receipt's ``SummaryFacts`` — and one progress write; the sent
    lists' snapshots are read once for the whole export. A receipt without facts (or with another policy's) has
    them worked out and stored here (two more queries in that chunk, only then)."""
    size = chunk_size or SUMMARY_CHUNK
    scope = selectors.summary_applications(user, call)
    list_ids = (Application.objects.filter(call=call, pk__in=list(ids))
                .order_by().values_list("recommendation_entry__recommendation_list_id", flat=True).distinct())
    list_rows = sent_list_rows(list_ids)
    policy = call_policy_for(call)
    county = policy.call.content["region"]["city"]
    tier_names: dict[str, str] = {}
    industries_text: dict[str, str] = {}
    index = 0
    total = len(ids)
    for start in range(0, total, size):
        chunk = ids[start:start + size]
        receipts: dict[int, list[dict]] = {}
        # ``application_id IN chunk`` on the receipts themselves (beside the visibility semi-join) lets the planner
        # start from the chunk's receipts by index; with only the semi-join it hashed the whole call per chunk
        # (measured: 180 ms a chunk at 10,000, i.e. quadratic in the call's size).
        for values in (Submission.objects.filter(application_id__in=chunk,
                                                 application__in=scope.filter(pk__in=chunk).values("pk"))
                       .order_by("application_id", "-submitted_at", "-id").values(*_RECEIPT_COLUMNS)):
            receipts.setdefault(values["application_id"], []).append(values)
        chosen: list[tuple[dict, dict]] = []
        for pk in chunk:
            found = receipts.get(pk)
            if not found:
                continue
            entry = list_rows.get((found[0]["application__recommendation_entry__recommendation_list_id"], pk))
            if entry is None:
                continue
            named = [r for r in found if r["number"] and r["number"] == entry.get("submission_number")]
            chosen.append((entry, named[0] if named else found[0]))
        stale = [r["pk"] for _, r in chosen if r["summary_facts__policy_sha256"] != policy.sha256]
        fresh = store_summary_facts(stale, policy) if stale else {}
        for entry, receipt in chosen:
            stored = fresh.get(receipt["pk"])
            facts = {name: stored[name] if stored else receipt[f"summary_facts__{name}"]
                     for name in SUMMARY_FACT_FIELDS}
            tier = receipt["application__tier"]
            if tier not in tier_names:
                tier_names[tier] = (policy.find_tier(tier) or policy.call_tier)["name"]
            code = receipt["application__enterprise__industry_code"]
            if code not in industries_text:
                industries_text[code] = industry_text(code)
            index += 1
            yield SummaryRow(
                county=county, unit_name=receipt["application__enterprise__organisation__parent__name"] or "",
                enterprise_name=receipt["application__enterprise__name"],
                credit_code=receipt["application__enterprise__credit_code"], industry=industries_text[code],
                tier_name=tier_names[tier], recommendation=entry.get("recommendation", ""),
                receipt_number=receipt["number"], order=index, **facts)
        del receipts, chosen
        if progress:
            position = min(start + size, total)
            progress(5 + 80 * position // max(total, 1), f"已汇总 {position}/{total} 家企业")


def _run_summary(job: DocumentJob, progress, out: BinaryIO) -> str:
    """Write the job's file to ``out`` and return its download name. Rows are made as they are written
    (``iter_summary_rows``, a chunk of applications at a time) and never all held: the XLSX is streamed into its
    sheet; the PDF is set by ``pdf.write_summary_pdf`` in parts of ``pdf.SUMMARY_PART_ROWS`` rows, each compiled
    in a worker process, from a second pass over the rows (one read per chunk again, no snapshot). The ``zip``
    copies each file from its own temporary file in chunks."""
    from tidu.documents import pdf, xlsx

    ids = [int(i) for i in job.params.get("application_ids", [])]
    policy = call_policy_for(job.call)
    title, unit_name, today = summary_title(policy), job.params.get("unit_name", ""), local_day(timezone.now())
    fmt = job.params.get("format", "zip")
    base = f"{title}-{unit_name}" if unit_name else title
    template = (_read_template(active_template(job.call, DocumentTemplate.Kind.SUMMARY_XLSX))
                if fmt in ("xlsx", "zip") else None)
    parts = -(-len(ids) // pdf.SUMMARY_PART_ROWS) or 1

    def write_pdf(target: BinaryIO) -> None:
        progress(88, "正在生成 PDF")
        pdf.write_summary_pdf(iter_summary_rows(job.created_by, job.call, ids), target, title=title,
                              unit_name=unit_name, date=today,
                              progress=lambda n: n % 2 or progress(88 + 10 * n // parts, f"正在生成 PDF（{n}/{parts}）"))

    if fmt == "xlsx":
        xlsx.write_summary_xlsx(iter_summary_rows(job.created_by, job.call, ids, progress), out, title=title,
                                unit_name=unit_name, date=today, template=template)
        progress(88, "正在生成文件")
        return f"{base}.xlsx"
    if fmt == "pdf":
        write_pdf(out)
        return f"{base}.pdf"
    with tempfile.TemporaryFile() as sheet, tempfile.TemporaryFile() as table:
        xlsx.write_summary_xlsx(iter_summary_rows(job.created_by, job.call, ids, progress), sheet, title=title,
                                unit_name=unit_name, date=today, template=template)
        write_pdf(table)
        sheet.seek(0)
        table.seek(0)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open(f"{base}（可编辑版）.xlsx", "w") as entry:
                shutil.copyfileobj(sheet, entry, COPY_CHUNK)
            with archive.open(f"{base}（PDF版）.pdf", "w") as entry:
                shutil.copyfileobj(table, entry, COPY_CHUNK)
    return f"{base}.zip"


COPY_CHUNK = 1024 * 1024


# --- templates ------------------------------------------------------------------------------------------

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024

def upload_template(*, call, kind: str, upload, user) -> DocumentTemplate:
    """Check an uploaded template, render a preview from the sample dossier, and make it the active one."""
    from tidu.documents import docx, placeholders, xlsx
    from tidu.documents.sample import sample_dossier

    if upload.size and upload.size > TEMPLATE_MAX_BYTES:
        raise TemplateRejected([f"模板文件大小为 {human_size(upload.size)}，超过 {human_size(TEMPLATE_MAX_BYTES)} 的上限"])
    data = upload.read()
    if kind in (DocumentTemplate.Kind.RECOGNITION_NOTICE_DOCX, DocumentTemplate.Kind.PUBLICITY_NOTICE_DOCX):
        return _upload_notice_template(call=call, kind=kind, data=data, name=upload.name, user=user)
    from tidu.documents import sheet_docx

    if kind in sheet_docx.SPECS:
        return _upload_sheet_template(call=call, kind=kind, data=data, name=upload.name, user=user)
    if kind == DocumentTemplate.Kind.APPLICATION_DOCX:
        check = placeholders.check_docx_template(data)
    elif kind == DocumentTemplate.Kind.SUMMARY_XLSX:
        check = placeholders.check_xlsx_template(data)
    else:
        raise DocumentError(gettext("模板类型无效"))
    if not check.ok:
        raise TemplateRejected(check.errors)
    policy = call_policy_for(call)
    sample = sample_dossier(policy)
    try:
        if kind == DocumentTemplate.Kind.APPLICATION_DOCX:
            preview, preview_name = docx.render_application_docx(sample, data), "preview.docx"
        else:
            rows = [sample.summary_row.numbered(1), sample.summary_row.numbered(2)]
            preview = xlsx.render_summary_xlsx(rows, title=summary_title(policy), unit_name="（示例单位）",
                                               date=local_day(timezone.now()), template=data)
            preview_name = "preview.xlsx"
    except DocumentError:
        raise
    except Exception as exc:
        raise TemplateRejected([f"用示例数据试填模板时出错：{exc}"]) from exc
    return operations.TemplateEnable(
        call, kind=kind, data=data, preview=preview, preview_name=preview_name, sha256=sha256_of_bytes(data),
        original_name=upload.name or "template", placeholders=check.used,
        extension="docx" if kind == DocumentTemplate.Kind.APPLICATION_DOCX else "xlsx").execute(user)


def _upload_notice_template(*, call, kind: str, data: bytes, name: str, user) -> DocumentTemplate:
    """The 认定通知 template: checked (tidu.documents.notice_docx), previewed with the sample notice."""
    from tidu.documents import notice_docx

    required = (notice_docx.PUBLICITY_REQUIRED if kind == DocumentTemplate.Kind.PUBLICITY_NOTICE_DOCX
                else notice_docx.REQUIRED)
    check = notice_docx.check_template(data, required)
    if not check.ok:
        raise TemplateRejected(check.errors)
    try:
        preview = notice_docx.render(notice_docx.sample_context(), data)
    except Exception as exc:
        raise TemplateRejected([f"用示例数据试填模板时出错：{exc}"]) from exc
    return operations.TemplateEnable(
        call, kind=kind, data=data, preview=preview, preview_name="preview.docx", sha256=sha256_of_bytes(data),
        original_name=name or "template", placeholders=check.used, extension="docx").execute(user)


def _upload_sheet_template(*, call, kind: str, data: bytes, name: str, user) -> DocumentTemplate:
    """A review sheet's template (tidu.documents.sheet_docx): checked against its kind's placeholders, previewed
    with a made-up sheet of that kind."""
    from tidu.documents import sheet_docx

    check = sheet_docx.check_template(kind, data)
    if not check.ok:
        raise TemplateRejected(check.errors)
    try:
        preview = sheet_docx.render(sheet_docx.sample_sheet(kind), data, code="SAMPLECODE",
                                    verify_url="https://example.invalid/verify/", today="2026年1月1日")
    except Exception as exc:
        raise TemplateRejected([f"用示例数据试填模板时出错：{exc}"]) from exc
    return operations.TemplateEnable(
        call, kind=kind, data=data, preview=preview, preview_name="preview.docx", sha256=sha256_of_bytes(data),
        original_name=name or "template", placeholders=check.used, extension="docx").execute(user)


def template_bytes(call, kind: str) -> bytes | None:
    """The active bureau template of ``kind`` for ``call`` (its file's bytes), or None: use the built-in one."""
    return _read_template(active_template(call, kind))


def deactivate_template(template: DocumentTemplate, user) -> DocumentTemplate:
    return operations.TemplateDisable(template).execute(user)


class TemplateRejected(DocumentError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("模板未通过检查：" + "；".join(errors))


def render_recommendation_list(fmt: str, *, unit_name: str, date: dt.date | None, entries: Sequence,
                               title: str) -> tuple[bytes, str]:
    """A township's 推荐名单 (附件5) as "xlsx" or "pdf": (content, MIME type). The review app's one way in.

    Raises DocumentError when the PDF engine cannot run, ValueError for another format.
    """
    from tidu.documents import pdf, xlsx

    if fmt == "xlsx":
        return xlsx.render_recommendation_list_xlsx(unit_name, date, entries, title=title), MIME["xlsx"]
    if fmt == "pdf":
        return pdf.render_recommendation_list_pdf(unit_name, date, entries, title=title), MIME["pdf"]
    raise ValueError(f"unknown format {fmt!r}")
