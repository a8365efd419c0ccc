"""Evidence uploads (佐证材料): type checked by content, size limited, hashed, stored privately."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from tidu.applications import permissions
from tidu.applications.models import Application, Evidence
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.services import section_is_editable
from tidu.core.uploads import UploadRejected, UploadRules, check_upload


class EvidenceRejected(UploadRejected):
    pass


# What evidence may be (the content decides; the checker is tidu.core.uploads, shared with photos and 异议附件).
EVIDENCE_RULES = UploadRules(types=("pdf", "png", "jpeg", "docx", "xlsx", "pptx", "ole"),
                             accepted="PDF、图片（JPG、PNG）、Word、Excel、PowerPoint 文件", error=EvidenceRejected)


def evidence_upload(*, application: Application, section: str, topic: str, upload, user) -> Evidence:
    if not permissions.can_edit(user, application):
        raise PermissionDenied
    if section not in SECTIONS_BY_KEY:
        raise EvidenceRejected("佐证材料所属部分无效")
    if not section_is_editable(application, section):
        raise EvidenceRejected(f"“{SECTIONS_BY_KEY[section].title}”当前不能修改，不能上传佐证材料")
    checked = check_upload(upload, EVIDENCE_RULES, max_bytes=settings.TIDU_EVIDENCE_MAX_BYTES)
    evidence = Evidence(application=application, section=section, topic=topic[:50],
                        original_name=checked.name[:255], content_type=checked.content_type, size=checked.size,
                        sha256=checked.sha256, uploaded_by=user)
    evidence.file.save("upload", upload, save=False)
    evidence.save()
    return evidence
