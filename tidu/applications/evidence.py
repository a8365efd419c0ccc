"""Evidence uploads (佐证材料): type checked by content, size limited, hashed, stored privately."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from tidu.applications import c3mep
from tidu.applications.errors import EvidenceRejected
from tidu.applications.models import Application, Evidence
from tidu.applications.operations import EvidenceUpload
from tidu.core.uploads import UploadRules, check_upload

__all__ = ["EVIDENCE_RULES", "EvidenceRejected", "evidence_upload"]

# What evidence may be (the content decides; the checker is tidu.core.uploads, shared with photos and 异议附件).
EVIDENCE_RULES = UploadRules(types=("pdf", "png", "jpeg", "docx", "xlsx", "pptx", "ole"),
                             accepted="PDF、图片（JPG、PNG）、Word、Excel、PowerPoint 文件", error=EvidenceRejected)


def evidence_upload(*, application: Application, section: str, topic: str, upload, user) -> Evidence:
    """Check the file (before any lock is taken), then attach it through the EvidenceUpload operation, which
    locks the application and re-checks its state on the locked row (PermissionDenied for someone else's)."""
    operation = EvidenceUpload(application, section=section, topic=topic, upload=upload)
    verdict = operation.check(user)
    if verdict.forbidden:
        raise PermissionDenied(verdict.reason)
    if not verdict:
        raise EvidenceRejected(verdict.reason)
    operation.params["checked"] = checked = check_upload(upload, EVIDENCE_RULES,
                                                         max_bytes=settings.TIDU_EVIDENCE_MAX_BYTES)
    if topic == c3mep.TOPIC and checked.kind == "pdf":
        operation.params["extracted"] = read_report_facts(upload)
    return operation.execute(user)


def read_report_facts(upload) -> dict:
    """What a 自评估报告 PDF says (before any lock): {"c3mep": facts} or {"c3mep_error": the Chinese reason}."""
    upload.seek(0)
    try:
        facts = c3mep.read_report(upload)
    except c3mep.ReportUnreadable as unreadable:
        return {"c3mep_error": unreadable.message}
    finally:
        upload.seek(0)
    return {"c3mep": facts.as_dict()}
