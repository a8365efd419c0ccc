"""The one upload checker: size limit, real type judged by the content (magic bytes), allowed types,
the extension matching the content, SHA-256 — with a specific Chinese message for every refusal.

Used by evidence (佐证材料), on-site photos (现场照片) and objection attachments (异议附件); each says
which types it accepts and how large a file may be::

    checked = check_upload(upload, EVIDENCE_RULES, max_bytes=settings.TIDU_EVIDENCE_MAX_BYTES)
    checked.content_type, checked.sha256

The content decides, never the browser's MIME type or the file name: a renamed .exe is not a PDF.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import PurePath

from tidu.core.errors import TiduError
from tidu.core.hashing import sha256_of_file
from tidu.core.images import ImageTooLarge, header_size, too_large_message
from tidu.core.sizes import human_size


@dataclasses.dataclass(frozen=True)
class FileType:
    key: str
    extensions: tuple[str, ...]
    content_type: str


FILE_TYPES = {file_type.key: file_type for file_type in (
    FileType("pdf", (".pdf",), "application/pdf"),
    FileType("png", (".png",), "image/png"),
    FileType("jpeg", (".jpg", ".jpeg"), "image/jpeg"),
    FileType("docx", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    FileType("xlsx", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    FileType("pptx", (".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    # Legacy Word/Excel/PowerPoint share one container format; served as a plain download.
    FileType("ole", (".doc", ".xls", ".ppt"), "application/octet-stream"),
)}


class UploadRejected(TiduError):
    """An uploaded file refused; ``message`` says which file and why, in Chinese."""


@dataclasses.dataclass(frozen=True)
class UploadRules:
    """What one kind of upload accepts."""

    types: tuple[str, ...]            # keys of FILE_TYPES
    accepted: str                     # the accepted types in Chinese, for the message
    noun: str = "文件"                 # how messages name the file: 文件 / 照片 / 附件
    too_large_advice: str = ""        # appended to the size message, e.g. "；请降低拍摄分辨率后重拍"
    check_extension: bool = True      # refuse a name whose extension does not match the content
    error: type[TiduError] = UploadRejected


@dataclasses.dataclass(frozen=True)
class CheckedUpload:
    name: str           # the file name without any path the browser sent
    kind: str           # key of FILE_TYPES
    content_type: str   # the type it is served with (from the content, not the browser)
    size: int
    sha256: str


def sniff_type(head: bytes, upload=None) -> str | None:
    """Name the file's real type from its first bytes (and, for Office files, its zip directory)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04") and upload is not None:
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


def check_upload(upload, rules: UploadRules, *, max_bytes: int) -> CheckedUpload:
    """Accept ``upload`` under ``rules`` or raise ``rules.error`` with a Chinese message naming the file."""
    name = PurePath(upload.name or "").name
    subject = f"{rules.noun}“{name}”"
    if not upload.size:
        raise rules.error(f"{subject}是空文件")
    if upload.size > max_bytes:
        raise rules.error(f"{subject}大小为 {human_size(upload.size)}，超过 {human_size(max_bytes)} 的上限"
                          f"{rules.too_large_advice}")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_type(head, upload)
    if kind not in rules.types:
        raise rules.error(f"{subject}的内容不是可接受的类型；仅接受{rules.accepted}")
    file_type = FILE_TYPES[kind]
    if rules.check_extension and PurePath(name).suffix.lower() not in file_type.extensions:
        raise rules.error(f"{subject}的扩展名与内容不符（内容为 {kind.upper()} 文件，应使用 "
                          f"{'、'.join(file_type.extensions)} 扩展名）")
    if kind in ("png", "jpeg"):
        # The header says how much memory decoding would take: above the pixel cap the picture is refused.
        try:
            header_size(upload)
        except ImageTooLarge as error:
            raise rules.error(too_large_message(subject, error)) from None
        except Exception:  # an unreadable picture is judged where it is used (the dossier notes it)
            pass
        finally:
            upload.seek(0)
    return CheckedUpload(name=name, kind=kind, content_type=file_type.content_type, size=upload.size,
                         sha256=sha256_of_file(upload))
