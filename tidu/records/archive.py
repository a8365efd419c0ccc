"""A call's archive (归档包): one zip that a records office or an auditor reads without the platform.

What is in it (``README.txt`` inside says the same in Chinese):

* ``申报材料/<编号>-<企业>/``: each submitted application's bound dossier PDF (申报书 + 佐证材料, the renderer
  of ``tidu.documents``), every evidence file as uploaded, and each submission's frozen content and
  verdict (``提交回执-<回执编号>.json``);
* ``推荐名单/``: each unit's signed and sent 推荐名单 (XLSX and PDF from its frozen snapshot, and the snapshot);
* ``评审/``: 形式审查, 专家评审任务 and scores per criterion, 专家评审结果, 专家组意见, 现场核查, 评审结论,
  集体决策 as CSV (one row per record, every field); each 评审会's 专家签到表 (PDF) and the sessions' table;
* ``公示与认定/``: the 公示 batches, their entries, the objections and their handling, and the final list;
* ``操作日志.csv``: every audit row about the call (``tidu.records.selectors.call_audit_entries``);
* ``manifest.csv``: path, size and SHA-256 of every other file.

Memory stays bounded by design: the zip is written entry by entry into a temporary file (``zipfile`` on a file
object), each file copied in chunks from storage, each table written row by row from a database iterator; the
finished file is then saved to storage in chunks. Nothing holds the whole archive.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.files import File
from django.db import models
from django.utils import timezone

from tidu.applications.models import Evidence, Submission
from tidu.core import audit_log
from tidu.core.cells import csv_field
from tidu.core.downloads import CSV_BOM
from tidu.decisions.models import CollectiveDecision, ReviewConclusion
from tidu.documents import sheets as document_sheets
from tidu.documents.models import DossierDocument
from tidu.documents.services import (
    application_document,
    recommendation_list_title,
    render_recommendation_list,
)
from tidu.documents.typst_engine import DocumentError
from tidu.experts.models import Assignment, CriterionScore, ExpertReviewResult, PanelOpinion, ReviewSession
from tidu.experts.sheets import session_sign_in_sheet
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.publicity.models import Objection, Publicity, PublicityEntry
from tidu.records import selectors
from tidu.records.models import ArchiveJob
from tidu.review.models import FormalReview, RecommendationList

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
MANIFEST = "manifest.csv"
_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]+")


def safe(name: str, limit: int = 60) -> str:
    """A file or folder name any file system accepts (Windows' reserved characters replaced)."""
    cleaned = _UNSAFE.sub("_", str(name)).strip(" .") or "_"
    return cleaned[:limit]


class _Hashing(io.RawIOBase):
    """A write-only stream that passes bytes on to ``target`` and keeps their SHA-256 and count."""

    def __init__(self, target):
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


@dataclasses.dataclass
class Written:
    path: str
    size: int
    sha256: str
    note: str = ""


class ArchiveWriter:
    """Entries go into ``zipfile`` one by one; each one's size and SHA-256 are noted for the manifest."""

    def __init__(self, handle):
        self.zip = zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.written: list[Written] = []
        self.paths: set[str] = set()

    def _unique(self, path: str) -> str:
        candidate, number = path, 1
        while candidate in self.paths:
            number += 1
            stem, dot, extension = path.rpartition(".")
            candidate = f"{stem}-{number}.{extension}" if dot else f"{path}-{number}"
        self.paths.add(candidate)
        return candidate

    def stream(self, path: str, write: Callable[[Any], None], note: str = "") -> Written:
        """Open the entry ``path`` and let ``write(binary_stream)`` fill it."""
        path = self._unique(path)
        with self.zip.open(path, "w", force_zip64=True) as entry:
            hashing = _Hashing(entry)
            write(hashing)
        written = Written(path, hashing.size, hashing.digest.hexdigest(), note)
        self.written.append(written)
        return written

    def copy(self, path: str, source, note: str = "") -> Written:
        """A file from storage (an open binary handle), copied in chunks."""
        def write(out):
            while chunk := source.read(CHUNK):
                out.write(chunk)
        return self.stream(path, write, note)

    def data(self, path: str, content: bytes, note: str = "") -> Written:
        return self.stream(path, lambda out: out.write(content), note)

    def json(self, path: str, value: Any, note: str = "") -> Written:
        return self.data(path, json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8"), note)

    def table(self, path: str, headers: list[str], rows: Iterable[Iterable[Any]], note: str = "") -> Written:
        """A CSV (UTF-8 with BOM for Excel, CRLF), row by row, every field through ``tidu.core.cells``."""
        def write(out):
            text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
            text.write(CSV_BOM)
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([csv_field(value) for value in headers])
            for row in rows:
                writer.writerow([csv_field(value) for value in row])
            text.flush()
            text.detach()
        return self.stream(path, write, note)

    def close_with_manifest(self) -> int:
        """Write ``manifest.csv`` (every entry so far) and close; the number of files the manifest lists."""
        rows = [(item.path, item.size, item.sha256, item.note) for item in self.written]
        self.table(MANIFEST, ["路径 path", "字节 size", "SHA-256", "说明 note"], rows)
        self.zip.close()
        return len(rows)


# --- tables of records ------------------------------------------------------------------------------------

def _cell(instance: models.Model, field: models.Field) -> Any:
    value = getattr(instance, field.attname)
    if value is None:
        return ""
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(field, models.FileField):
        return value.name if value else ""
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if field.choices:
        label = dict(field.flatchoices).get(value)
        return f"{value}（{label}）" if label is not None and str(label) != str(value) else value
    return value


def model_table(queryset: models.QuerySet) -> tuple[list[str], Iterator[list[Any]]]:
    """Every concrete field of the queryset's model, headed by its verbose name, one row per record."""
    fields = list(queryset.model._meta.concrete_fields)
    headers = [f"{field.verbose_name}（{field.attname}）" for field in fields]
    rows = ([_cell(instance, field) for field in fields] for instance in queryset.order_by("pk").iterator(500))
    return headers, rows


def snapshot_table(entries: list[dict]) -> tuple[list[str], list[list[Any]]]:
    keys: list[str] = []
    for entry in entries:
        keys += [key for key in entry if key not in keys]
    return keys, [[audit_log.display(entry.get(key)) for key in keys] for entry in entries]


# --- the steps ------------------------------------------------------------------------------------------

README = """本压缩包是“{call}”（{code}）的归档包，由智能工厂梯度培育申报评价平台于 {when} 生成，无需登录平台即可查阅。

目录说明：
申报材料/   每个已提交申报的装订版申报材料（PDF）、原始佐证材料文件、每次提交的回执内容（JSON）
推荐名单/   各乡镇（街道）签发并报送的推荐名单（Excel、PDF 及签发时的名单快照）
评审/       形式审查、专家评审任务与逐项评分、专家评审结果、专家组意见、现场核查、评审结论、集体决策（CSV）；
            评审会/ 下为每次评审会的专家签到表（PDF，带校验码），评审会.csv 列出各次评审会的参会专家和评审的申报
公示与认定/ 公示、公示名单、异议及其处理、认定名单（CSV）
操作日志.csv 与本批次有关的每一次操作记录（操作人、角色、时间、状态变化、意见或原因、请求编号）
manifest.csv 除其本身外每个文件的路径、字节数和 SHA-256 摘要，可用于核对文件完整、未被修改

CSV 文件为 UTF-8 编码（带 BOM），可直接用 Excel / WPS 打开；以 = + - @ 开头的文本已加前缀 ' 以防被当作公式。
"""


def _application_files(writer: ArchiveWriter, call: Call, progress: Callable[[int, str], None]) -> None:
    applications = list(selectors.call_applications(call).select_related("enterprise").order_by("pk"))
    for index, application in enumerate(applications, start=1):
        progress(5 + int(55 * index / max(1, len(applications))),
                 f"正在归档申报材料（{index}/{len(applications)}）")
        folder = f"申报材料/{application.pk:05d}-{safe(application.enterprise.name)}"
        try:
            document = application_document(application, DossierDocument.Kind.BOUND_PDF)
            with document.file.open("rb") as source:
                writer.copy(f"{folder}/装订版申报材料.pdf", source, note=f"校验码 {document.verification_code}")
        except DocumentError as error:
            logger.warning("archive: bound dossier of application %s not rendered: %s", application.pk, error)
            writer.data(f"{folder}/装订版申报材料-未能生成.txt", error.message.encode("utf-8"), note="未能生成")
        for evidence in Evidence.objects.filter(application=application).order_by("section", "topic", "pk"):
            name = f"{folder}/佐证材料/{safe(evidence.section, 20)}-{safe(evidence.topic or '-', 20)}-" \
                   f"{safe(evidence.original_name, 80)}"
            try:
                source = evidence.file.open("rb")
            except OSError:  # missing from storage: say so in the archive rather than lose the whole archive
                logger.error("archive: evidence %s is missing from storage", evidence.pk)
                writer.data(f"{name}-文件缺失.txt", f"存储中缺少该文件（原 SHA-256 {evidence.sha256}）".encode(),
                            note="文件缺失")
                continue
            with source:
                written = writer.copy(name, source, note=evidence.original_name)
            if written.sha256 != evidence.sha256:
                logger.error("archive: evidence %s does not match its recorded SHA-256", evidence.pk)
        for submission in Submission.objects.filter(application=application).order_by("submitted_at", "pk"):
            writer.json(f"{folder}/提交回执-{safe(submission.number)}.json", {
                "回执编号": submission.number, "提交时间": submission.submitted_at, "承诺人": submission.attested_by_name,
                "内容摘要": submission.content_sha256, "判定结论": submission.outcome,
                "判定依据版本": submission.policy_version, "提交内容": submission.snapshot, "判定": submission.verdict})


def _recommendation_lists(writer: ArchiveWriter, call: Call) -> None:
    title = recommendation_list_title(call_policy_for(call))
    lists = RecommendationList.objects.filter(call=call, status=RecommendationList.Status.SENT).select_related("unit")
    for rlist in lists.order_by("unit__name", "pk"):
        entries = rlist.snapshot.get("entries", [])
        day = timezone.localdate(rlist.signed_at) if rlist.signed_at else None
        stem = f"推荐名单/{safe(rlist.unit.name)}-{safe(title)}"
        writer.json(f"{stem}-签发快照.json", {"摘要": rlist.snapshot_sha256, "名单": rlist.snapshot})
        for fmt in ("xlsx", "pdf"):
            try:
                content, _ = render_recommendation_list(fmt, unit_name=rlist.unit.name, date=day, entries=entries,
                                                        title=title)
            except DocumentError as error:
                writer.data(f"{stem}-{fmt}-未能生成.txt", error.message.encode("utf-8"), note="未能生成")
                continue
            writer.data(f"{stem}.{fmt}", content)


def _tables(writer: ArchiveWriter, call: Call) -> None:
    applications = selectors.call_applications(call).values("pk")
    tables = [
        ("评审/形式审查.csv", FormalReview.objects.filter(application__in=applications)),
        ("评审/专家评审任务.csv", Assignment.objects.filter(application__in=applications)),
        ("评审/专家逐项评分.csv", CriterionScore.objects.filter(assignment__application__in=applications)),
        ("评审/专家评审结果.csv", ExpertReviewResult.objects.filter(application__in=applications)),
        ("评审/专家组意见.csv", PanelOpinion.objects.filter(application__in=applications)),
        ("评审/现场核查.csv", OnsiteCheck.objects.filter(application__in=applications)),
        ("评审/现场核查项目.csv", CheckItem.objects.filter(onsite_check__application__in=applications)),
        ("评审/评审结论.csv", ReviewConclusion.objects.filter(application__in=applications)),
        ("评审/集体决策.csv", CollectiveDecision.objects.filter(call=call)),
        ("公示与认定/公示.csv", Publicity.objects.filter(call=call)),
        ("公示与认定/公示名单.csv", PublicityEntry.objects.filter(publicity__call=call)),
        ("公示与认定/异议及处理.csv", Objection.objects.filter(publicity__call=call)),
    ]
    for path, queryset in tables:
        headers, rows = model_table(queryset)
        writer.table(path, headers, rows)
    final = []
    for publicity in Publicity.objects.filter(call=call, final_snapshot__isnull=False).order_by("pk"):
        for entry in (publicity.final_snapshot or {}).get("entries", []):
            final.append({"公示": publicity.title, "认定日期": publicity.final_list_date, **entry})
    headers, rows = snapshot_table(final)
    writer.table("公示与认定/认定名单.csv", headers, rows)


def _review_sessions(writer: ArchiveWriter, call: Call) -> None:
    """Each 评审会's 专家签到表 (PDF, its 校验码 issued) and one table of the sessions with who and what."""
    sessions = list(ReviewSession.objects.filter(call=call).prefetch_related("experts", "applications__enterprise")
                    .order_by("date", "pk"))
    rows = []
    for session in sessions:
        stem = f"评审/评审会/{session.date:%Y%m%d}-{safe(session.name)}-专家签到表"
        sheet = session_sign_in_sheet(session)
        code = document_sheets.issue_code(sheet)
        try:
            content = document_sheets.render_sheet_pdf(sheet, code=code)
        except DocumentError as error:
            writer.data(f"{stem}-未能生成.txt", error.message.encode("utf-8"), note="未能生成")
        else:
            writer.data(f"{stem}.pdf", content, note=f"校验码 {code}")
        rows.append([session.pk, session.name, session.date, session.place,
                     "、".join(e.display_name for e in session.experts.all()),
                     "、".join(a.enterprise.name for a in session.applications.all())])
    writer.table("评审/评审会.csv", ["编号", "会议名称", "日期", "地点", "参会专家", "评审的申报"], rows)


def _audit_log(writer: ArchiveWriter, call: Call) -> None:
    writer.table("操作日志.csv", audit_log.headers(), audit_log.rows(selectors.call_audit_entries(call)))


def build_archive(call: Call, handle, progress: Callable[[int, str], None] = lambda percent, message: None) -> int:
    """Write the archive of ``call`` into the binary file object ``handle``; the number of files in it."""
    writer = ArchiveWriter(handle)
    writer.data("README.txt", README.format(call=call.title, code=call.code,
                                            when=timezone.localtime().strftime("%Y-%m-%d %H:%M")).encode("utf-8"))
    progress(5, "正在归档申报材料")
    _application_files(writer, call, progress)
    progress(62, "正在归档推荐名单")
    _recommendation_lists(writer, call)
    progress(75, "正在归档评审与公示记录")
    _tables(writer, call)
    _review_sessions(writer, call)
    progress(90, "正在归档操作日志")
    _audit_log(writer, call)
    return writer.close_with_manifest()


# --- the job --------------------------------------------------------------------------------------------

def archive_name(call: Call, kind: str = ArchiveJob.Kind.ARCHIVE) -> str:
    label = "交换数据包" if kind == ArchiveJob.Kind.INTERCHANGE else "归档包"
    return f"{safe(call.code)}-{label}-{timezone.localdate():%Y%m%d}.zip"


# --- the interchange export (交换数据包): machine-readable, re-judged with ``tidu evaluate`` ------------------

INTERCHANGE_README = """{call}（{code}）交换数据包

生成时间：{when}

每个已提交申报的最新一次提交，按提交时冻结的内容导出为申报数据交换格式（tidu.application/1 JSON），
一份申报一个文件：申报数据/<回执编号>.json。文件中的 call 与 call_version 指明提交时所依据的策略包版本，
可用命令 `tidu evaluate 申报数据/<回执编号>.json` 按同一版本重新判定，结论应与“提交时判定”一致。

判定.csv        每份申报一行：回执编号、企业、统一社会信用代码、提交时间、提交时判定结论、不符合/需人工复核/待填写的条款、
                判定依据版本、文件名及其 SHA-256
manifest.csv    除其本身外每个文件的路径、字节数和 SHA-256 摘要
"""


def interchange_document(submission: Submission) -> dict[str, Any] | None:
    """The frozen interchange document of a submission, naming the pinned call pack version (None for a receipt
    from before the interchange was stored with it)."""
    snapshot = submission.snapshot or {}
    document = snapshot.get("interchange")
    if not isinstance(document, dict):
        return None
    document = dict(document)
    call_ref = (snapshot.get("policy_versions") or {}).get("call", "")
    if "@" in call_ref:
        document["call_version"] = call_ref.split("@", 1)[1]
    return document


def build_interchange_export(call: Call, handle,
                             progress: Callable[[int, str], None] = lambda percent, message: None) -> int:
    """Write every submitted application's latest frozen submission of ``call`` as interchange JSON into ``handle``."""
    writer = ArchiveWriter(handle)
    writer.data("README.txt", INTERCHANGE_README.format(
        call=call.title, code=call.code, when=timezone.localtime().strftime("%Y-%m-%d %H:%M")).encode("utf-8"))
    # The newest receipt of each application (a resubmission after 退回补正 supersedes the earlier one).
    newest = (Submission.objects.filter(application=models.OuterRef("application"))
              .order_by("-submitted_at", "-pk").values("pk")[:1])
    latest = Submission.objects.filter(application__in=selectors.call_applications(call).values("pk"),
                                       pk=models.Subquery(newest))
    rows: list[list[Any]] = []
    total = latest.count()
    for index, submission in enumerate(latest.select_related("application__enterprise").order_by("pk")
                                       .iterator(chunk_size=500), start=1):
        if index % 200 == 0:
            progress(5 + int(85 * index / max(1, total)), f"正在导出申报数据（{index}/{total}）")
        enterprise = submission.application.enterprise
        document = interchange_document(submission)
        if document is None:
            rows.append([submission.number, enterprise.name, enterprise.credit_code, submission.submitted_at,
                         submission.outcome, "", "", "", submission.policy_version, "", "该回执未保存交换数据"])
            continue
        path = f"申报数据/{safe(submission.number)}.json"
        written = writer.json(path, document, note=enterprise.name)
        rows.append([submission.number, enterprise.name, enterprise.credit_code, submission.submitted_at,
                     submission.outcome, "、".join(submission.failing_clauses or []),
                     "、".join(submission.review_clauses or []), "、".join(submission.missing_clauses or []),
                     submission.policy_version, written.path, written.sha256])
    writer.table("判定.csv", ["回执编号", "企业名称", "统一社会信用代码", "提交时间", "提交时判定结论", "不符合的条款",
                            "需人工复核的条款", "待填写的条款", "判定依据版本", "文件", "SHA-256"], rows)
    return writer.close_with_manifest()


def run_job(job_id: int) -> dict:
    """Build the archive of one job (called by the task): into a temporary file, then onto storage."""
    job = ArchiveJob.objects.select_related("call").get(pk=job_id)
    if job.status == ArchiveJob.Status.DONE:
        return {"status": job.status}
    ArchiveJob.mark_running(job_id)
    try:
        with tempfile.TemporaryFile(suffix=".zip") as handle:
            build = build_interchange_export if job.kind == ArchiveJob.Kind.INTERCHANGE else build_archive
            count = build(job.call, handle, ArchiveJob.progress_writer(job_id))
            handle.seek(0)
            digest, size = hashlib.sha256(), 0
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
            handle.seek(0)
            job.refresh_from_db()
            job.result.save(f"{digest.hexdigest()[:16]}.zip", File(handle), save=False)
    except Exception as exc:
        logger.exception("archive job %s failed", job_id)
        ArchiveJob.mark_failed(job_id, ArchiveJob.failure_message(exc))
        return {"status": "failed"}
    job.result_name, job.size, job.sha256, job.file_count = (archive_name(job.call, job.kind), size, digest.hexdigest(),
                                                             count)
    job.mark_done("result", "result_name", "size", "sha256", "file_count")
    return {"status": "done", "bytes": size, "files": count}
