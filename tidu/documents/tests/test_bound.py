"""The bound dossier (装订版) of an application with 30 evidence files, and the document cache."""

import io
import os
import re

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tidu.applications.evidence import evidence_upload
from tidu.documents import services
from tidu.documents.dossier import build_dossier
from tidu.documents.evidence_files import NOTE_BROKEN_PDF, NOTE_ENCRYPTED_PDF, NOTE_OFFICE, prepare_image
from tidu.documents.models import DossierDocument
from tidu.documents.tests.conftest import embedded_font_files, outline_titles, pdf_text, save_section, submit

pytestmark = pytest.mark.django_db
Kind = DossierDocument.Kind
BIG_IMAGE_BYTES = 20 * 1024 * 1024


def pdf_bytes(pages: int, *, size=(595, 842), rotate: int = 0, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=size[0], height=size[1])
        if rotate:
            page.rotate(rotate)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str, size=(800, 600), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 200, 128) if mode == "RGBA" else (30, 120, 200)).save(out, fmt)
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def big_png() -> bytes:
    """A noisy photo-sized PNG of more than 20 MB (noise does not compress)."""
    width, height = 2600, 2800
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    data = out.getvalue()
    assert len(data) >= BIG_IMAGE_BYTES
    return data


def upload(application, user, section, topic, name, data):
    return evidence_upload(application=application, section=section, topic=topic, user=user,
                           upload=SimpleUploadedFile(name, data))


@pytest.fixture
def thirty(draft_a, users, big_png):
    """Application A with 30 evidence files (the 自评估报告 is already there), then submitted."""
    user = users["a"]
    for n in range(1, 19):  # 18 good PDFs of 1–3 pages; one Letter landscape, one rotated
        size = (792, 612) if n == 5 else (595, 842)
        upload(draft_a, user, "conditions", f"申报条件{n % 9 + 1}", f"证明{n:02d}.pdf",
               pdf_bytes(n % 3 + 1, size=size, rotate=90 if n == 7 else 0))
    upload(draft_a, user, "conditions", "申报条件4", "坏文件.pdf", b"%PDF-1.7\n" + os.urandom(3000))
    upload(draft_a, user, "conditions", "申报条件3", "加密审计报告.pdf", pdf_bytes(2, password="secret"))
    upload(draft_a, user, "scenarios", "SC24", "大照片.png", big_png)
    upload(draft_a, user, "scenarios", "SC27", "设备照片1.jpg", image_bytes("JPEG"))
    upload(draft_a, user, "scenarios", "SC27", "设备照片2.jpg", image_bytes("JPEG", size=(600, 900)))
    upload(draft_a, user, "scenarios", "SC09", "排产截图.png", image_bytes("PNG", mode="RGBA"))
    upload(draft_a, user, "scenarios", "SC09", "看板截图.png", image_bytes("PNG"))
    for n in range(1, 5):
        upload(draft_a, user, "equipment", "", f"采购合同{n}.docx", docx_bytes(f"合同{n}"))
    assert draft_a.evidence.count() == 30
    submit(draft_a, user)
    draft_a.refresh_from_db()
    return draft_a


def test_bound_dossier_with_thirty_evidence_files(thirty):
    dossier = build_dossier(thirty)
    assert len(dossier.evidence) == 30
    notes = {e.name: e.note for e in dossier.evidence}
    assert notes["坏文件.pdf"] == NOTE_BROKEN_PDF
    assert notes["加密审计报告.pdf"] == NOTE_ENCRYPTED_PDF
    assert all(notes[f"采购合同{n}.docx"] == NOTE_OFFICE for n in range(1, 5))
    assert notes["大照片.png"] == "" and notes["证明01.pdf"] == ""
    assert [e.number for e in dossier.evidence] == list(range(1, 31))

    document = services.application_document(thirty, Kind.BOUND_PDF, dossier=dossier)
    data = document.file.read()
    reader = PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    assert document.page_count == total
    code = dossier.cover.verification_code
    assert document.verification_code == code and re.fullmatch(r"[A-Z2-7]{10}", code)

    merged_pdf_pages = 1 + sum(n % 3 + 1 for n in range(1, 19))  # 自评估报告 + the 18 good PDFs
    image_pages = 5
    pages = pdf_text(data)
    front = next(i for i, text in enumerate(pages) if "佐证材料1：" in text or "佐证材料索引" in text and i > 2)
    assert total > merged_pdf_pages + image_pages + 8

    # Continuous numbering and the verification code on every page, evidence pages included.
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页共{total}页" in text, number
        assert f"校验码{code}" in text, number

    # Cover and application text, the index with notes for what could not be merged.
    assert "基础级智能工厂申报书" in pages[0] and "天门市华楚精密机械有限公司" in pages[0]
    body = "".join(pages)
    assert NOTE_BROKEN_PDF in body and NOTE_ENCRYPTED_PDF in body and "Office文件" in body
    for entry in dossier.evidence:
        assert entry.name.replace(" ", "") in body
    assert embedded_font_files(data) & {"/FontFile2", "/FontFile3"}
    assert front > 0

    # Bookmarks: every part, every section, every merged evidence file — and not the skipped ones.
    titles = outline_titles(data)
    for expected in ("封面", "目录", "申报书", "一、申报单位基本信息", "九、真实性承诺", "佐证材料索引", "佐证材料"):
        assert expected in titles
    evidence_titles = [t for t in titles if t.startswith("佐证材料 ")]
    assert len(evidence_titles) == 30 - 2 - 4
    assert not any("坏文件" in t or "加密" in t or ".docx" in t for t in evidence_titles)

    # The 20 MB picture sits on its own A4 page, at most 300 dpi.
    big = next(e for e in dossier.evidence if e.name == "大照片.png")
    page_index = next(i for i, text in enumerate(pages) if f"佐证材料{big.number}：大照片.png" in text
                      and "SHA-256" in text and i > front)
    page = reader.pages[page_index]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    [image] = page.images
    assert image.image.width <= 2480 and image.image.height <= 3508

    # The contents give each evidence file's page in the book; a picture's caption is on exactly that page.
    contents = pages[1] + pages[2]
    starts = {}
    for entry in dossier.evidence:
        found = re.search(rf"佐证材料{entry.number}：{re.escape(entry.name)}\.+(\d+)", contents)
        if entry.mergeable and entry.note == "":
            assert found, entry.name
            starts[entry.number] = int(found.group(1))
        else:
            assert found is None, entry.name
    for entry in dossier.evidence:
        if entry.kind == "image":
            assert f"佐证材料{entry.number}：{entry.name}" in pages[starts[entry.number] - 1]
    first_evidence = min(starts.values())
    assert total - first_evidence + 1 == merged_pdf_pages + image_pages


def test_pictures_are_downscaled_to_300_dpi_on_a4(big_png):
    jpeg, size = prepare_image(big_png)
    assert size[0] <= 2480 and size[1] <= 3508
    assert Image.open(io.BytesIO(jpeg)).format == "JPEG"
    landscape, size = prepare_image(image_bytes("PNG", size=(5000, 3000)))
    assert size[0] <= 3508 and size[1] <= 2480


def test_second_build_reuses_the_file_and_a_change_re_renders(submitted_a, users, monkeypatch):
    calls = []
    original = services.render_kind

    def counting(kind, *args, **kwargs):
        calls.append(kind)
        return original(kind, *args, **kwargs)

    monkeypatch.setattr(services, "render_kind", counting)
    first = services.application_document(submitted_a, Kind.APPLICATION_PDF)
    second = services.application_document(submitted_a, Kind.APPLICATION_PDF)
    assert calls == [Kind.APPLICATION_PDF]
    assert second.pk == first.pk and second.file.name == first.file.name

    bound = services.application_document(submitted_a, Kind.BOUND_PDF)
    assert services.application_document(submitted_a, Kind.BOUND_PDF).pk == bound.pk
    assert calls == [Kind.APPLICATION_PDF, Kind.BOUND_PDF]

    submitted_a.status = "returned"
    submitted_a.returned_sections = {"organisation": "请补充"}
    submitted_a.save()
    data = submitted_a.sections.get(key="organisation").data
    save_section(submitted_a, "organisation", {**data, "talent_count": "21"}, users["a"])
    third = services.application_document(submitted_a, Kind.APPLICATION_PDF)
    assert calls[-1] == Kind.APPLICATION_PDF and len(calls) == 3
    assert third.pk != first.pk
    assert not DossierDocument.objects.filter(pk=first.pk).exists()
    assert "尚未重新提交" in "".join(pdf_text(third.file.read()))


def test_a_new_evidence_file_changes_the_cache_key(submitted_a, users):
    before = build_dossier(submitted_a).fingerprint("k")
    submitted_a.status = "draft"
    submitted_a.save()
    upload(submitted_a, users["a"], "scope", "", "补充.pdf", pdf_bytes(1))
    assert build_dossier(submitted_a).fingerprint("k") != before
