"""Evidence uploads (佐证材料): type checked by content, size limited, hashed, stored privately."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied

from tidu.applications.errors import EvidenceRejected
from tidu.applications.models import Application, Evidence
from tidu.applications.operations import EvidenceUpload

# Each accepted type: the extensions it may carry and the MIME type it is served with.
ACCEPTED_TYPES = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "ole": ((".doc", ".xls", ".ppt"), "application/octet-stream"),
}
ACCEPTED_DESCRIPTION = "PDF、图片（JPG、PNG）、Word、Excel、PowerPoint 文件"


def sniff_type(head: bytes, upload) -> str | None:
    """Name the file's real type from its first bytes (and, for Office files, its zip directory)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            names = set(zipfile.ZipFile(upload).namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(name.startswith(prefix) for name in names):
                return kind
    return None


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    sha256: str


def check_upload(upload) -> CheckedUpload:
    """Refuse an empty, oversize or mistyped file (by content, then extension); hash it. Reads, never writes."""
    name = PurePath(upload.name or "").name
    limit = settings.TIDU_EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise EvidenceRejected(f"文件“{name}”是空文件")
    if upload.size > limit:
        raise EvidenceRejected(f"文件“{name}”大小为 {upload.size / 1048576:.1f} MB，超过 {limit / 1048576:.0f} MB 的上限")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_type(head, upload)
    if kind is None:
        raise EvidenceRejected(f"文件“{name}”的内容不是可接受的类型；仅接受{ACCEPTED_DESCRIPTION}")
    extensions, content_type = ACCEPTED_TYPES[kind]
    if PurePath(name).suffix.lower() not in extensions:
        raise EvidenceRejected(f"文件“{name}”的扩展名与内容不符（内容为 {kind.upper()} 文件，应使用 "
                               f"{'、'.join(extensions)} 扩展名）")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, content_type=content_type, sha256=digest.hexdigest())


def evidence_upload(*, application: Application, section: str, topic: str, upload, user) -> Evidence:
    """Check the file (before any lock is taken), then attach it through the EvidenceUpload operation, which
    locks the application and re-checks its state on the locked row (PermissionDenied for someone else's)."""
    operation = EvidenceUpload(application, section=section, topic=topic, upload=upload)
    verdict = operation.check(user)
    if verdict.forbidden:
        raise PermissionDenied(verdict.reason)
    if not verdict:
        raise EvidenceRejected(verdict.reason)
    operation.params["checked"] = check_upload(upload)
    return operation.execute(user)
