"""The one upload checker: the content decides the type, the size is limited, every refusal is Chinese."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tidu.core.errors import TiduError
from tidu.core.uploads import FILE_TYPES, UploadRejected, UploadRules, check_upload, sniff_type

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200  # a Windows program
RULES = UploadRules(types=("pdf", "png", "jpeg"), accepted="PDF 或图片（JPG、PNG）文件", noun="附件")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")  # what the browser says is ignored


def office(prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}document.xml", "<x/>")
    return buffer.getvalue()


def refusal(name: str, content: bytes, rules: UploadRules = RULES, max_bytes: int = 1024 * 1024) -> str:
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload(name, content), rules, max_bytes=max_bytes)
    return refused.value.message


def test_a_renamed_exe_is_not_a_pdf():
    assert refusal("报告.pdf", EXE) == "附件“报告.pdf”的内容不是可接受的类型；仅接受PDF 或图片（JPG、PNG）文件"


def test_a_pdf_is_accepted_with_its_type_size_and_hash():
    checked = check_upload(upload("报告.PDF", PDF), RULES, max_bytes=1024)
    assert checked.name == "报告.PDF"  # the extension is compared case-insensitively
    assert (checked.kind, checked.content_type, checked.size) == ("pdf", "application/pdf", len(PDF))
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_extension_must_match_the_content():
    assert refusal("图片.pdf", PNG) == "附件“图片.pdf”的扩展名与内容不符（内容为 PNG 文件，应使用 .png 扩展名）"
    photo_rules = UploadRules(types=("jpeg", "png"), accepted="JPG 或 PNG 照片", noun="照片", check_extension=False)
    assert check_upload(upload("x.jpg", PNG), photo_rules, max_bytes=1024).content_type == "image/png"


def test_size_limit_and_empty_file():
    message = refusal("big.pdf", PDF + b"0" * 2048, max_bytes=1024)
    assert message == "附件“big.pdf”大小为 2 KB，超过 1 KB 的上限"
    advice = UploadRules(types=("png",), accepted="PNG", noun="照片", too_large_advice="；请降低拍摄分辨率后重拍")
    assert refusal("a.png", PNG * 40, advice, max_bytes=1024).endswith("超过 1 KB 的上限；请降低拍摄分辨率后重拍")
    assert refusal("空.pdf", b"") == "附件“空.pdf”是空文件"


def test_office_files_are_told_apart_by_their_zip_directory():
    assert sniff_type(b"PK\x03\x04", io.BytesIO(office("word/"))) == "docx"
    assert sniff_type(b"PK\x03\x04", io.BytesIO(office("xl/"))) == "xlsx"
    assert sniff_type(b"PK\x03\x04", io.BytesIO(office("ppt/"))) == "pptx"
    assert sniff_type(b"PK\x03\x04", io.BytesIO(b"PK\x03\x04 not a zip")) is None
    evidence = UploadRules(types=tuple(FILE_TYPES), accepted="……")
    assert check_upload(upload("a.docx", office("word/")), evidence, max_bytes=10**6).kind == "docx"
    assert "扩展名与内容不符" in refusal("a.xlsx", office("word/"), evidence)


def test_each_domain_refuses_with_its_own_error_class_and_wording():
    from tidu.applications.evidence import EVIDENCE_RULES, EvidenceRejected
    from tidu.onsite.photos import PHOTO_RULES, PhotoRejected
    from tidu.publicity.services import ATTACHMENT_RULES, AttachmentRejected

    cases = [(EVIDENCE_RULES, EvidenceRejected, "文件“a.pdf”的内容不是可接受的类型；仅接受PDF、图片（JPG、PNG）、Word、"
                                                "Excel、PowerPoint 文件"),
             (PHOTO_RULES, PhotoRejected, "照片“a.pdf”的内容不是可接受的类型；仅接受JPG 或 PNG 照片"),
             (ATTACHMENT_RULES, AttachmentRejected, "附件“a.pdf”的内容不是可接受的类型；仅接受PDF 或图片（JPG、PNG）文件")]
    for rules, error, message in cases:
        with pytest.raises(error) as refused:
            check_upload(upload("a.pdf", EXE), rules, max_bytes=10**6)
        assert refused.value.message == message
        assert isinstance(refused.value, TiduError)
