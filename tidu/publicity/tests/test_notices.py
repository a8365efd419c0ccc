"""The bureau's documents: the 公示 notice and the 认定通知 (Word and PDF), with 文号 and date recorded (audited)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from tidu.core.models import AuditEntry
from tidu.documents import notice_docx
from tidu.documents import services as document_services
from tidu.publicity.models import RecognitionNotice
from tidu.publicity.tests.conftest import expected


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("|".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    """The PDF's text without the spaces the extractor puts between Chinese and Latin text."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "").replace(" ", "")


@pytest.mark.django_db
def test_the_publicity_notice_as_word_and_pdf(client, published, city):
    client.force_login(city)
    entries = list(published.entries.order_by("position"))
    docx = client.get(reverse("publicity:publicity_notice_docx", args=[published.pk]))
    assert docx.status_code == 200
    text = _docx_text(docx.content)
    assert published.title in text and "2026年4月3日至2026年4月9日（5个工作日）" in text
    assert "0728-5221234" in text and "异议须实事求是" in text
    rows = [line for line in text.splitlines() if "|" in line][1:]
    assert [row.split("|")[:2] for row in rows] == [[str(e.position), e.enterprise_name] for e in entries]
    pdf = _pdf_text(client.get(reverse("publicity:publicity_notice_pdf", args=[published.pk])).content)
    assert published.title in pdf and all(e.enterprise_name in pdf for e in entries)
    page = client.get(reverse("publicity:manage_detail", args=[published.pk])).content.decode()
    assert reverse("publicity:publicity_notice_docx", args=[published.pk]) in page


@pytest.mark.django_db
def test_recording_the_recognition_notice_is_audited_and_the_notice_lists_every_batch(client, world, two_batches, city):
    first, second = two_batches
    call = world["call"]
    client.force_login(city)
    url = reverse("publicity:recognition_notice", args=[call.pk])
    assert client.get(reverse("publicity:recognition_notice_pdf", args=[call.pk])).status_code == 404  # no 文号 yet
    response = client.post(url, {"document_number": "", "issue_date": "2026-04-21"})
    assert response.status_code == 400 and not RecognitionNotice.objects.exists()
    response = client.post(url, {"document_number": "天经信发〔2026〕12号", "issue_date": "2026-04-21"})
    assert response.status_code == 302
    notice = RecognitionNotice.objects.get(call=call)
    assert notice.issue_date == dt.date(2026, 4, 21)
    rows = AuditEntry.objects.filter(action="recognition_notice.record")
    assert rows.count() == 1 and rows.get().actor_id == city.pk
    assert rows.get().detail["document_number"] == "天经信发〔2026〕12号"
    client.post(url, {"document_number": "天经信发〔2026〕12号", "issue_date": "2026-04-21"})  # nothing changed
    client.post(url, {"document_number": "天经信发〔2026〕13号", "issue_date": "2026-04-22"})
    assert rows.count() == 2
    assert rows.order_by("id").last().detail["previous"] == {"document_number": "天经信发〔2026〕12号",
                                                             "issue_date": "2026-04-21"}

    names = [name for _, name in expected(first, second)]
    docx = client.get(reverse("publicity:recognition_notice_docx", args=[call.pk]))
    text = _docx_text(docx.content)
    assert "天经信发〔2026〕13号" in text and "2026年4月22日" in text
    table = [line.split("|") for line in text.splitlines() if "|" in line][1:]
    assert [row[:2] for row in table] == [[str(n), name] for n, name in enumerate(names, start=1)]
    pdf = _pdf_text(client.get(reverse("publicity:recognition_notice_pdf", args=[call.pk])).content)
    assert "天经信发〔2026〕13号" in pdf
    positions = [pdf.index(name) for name in names]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_notices_are_the_citys(client, world, published, verified):
    client.force_login(world["users"]["a"])
    for name, args in (("publicity:publicity_notice_docx", [published.pk]),
                       ("publicity:recognition_notice", [world["call"].pk])):
        assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.django_db
def test_no_recognition_notice_before_a_list_is_published(client, world, published, city):
    client.force_login(city)
    response = client.post(reverse("publicity:recognition_notice", args=[world["call"].pk]),
                           {"document_number": "天经信发〔2026〕12号", "issue_date": "2026-04-21"})
    assert response.status_code == 400 and "尚无已认定并公布名单的公示" in response.content.decode()
    assert not RecognitionNotice.objects.exists()


def _bureau_template(extra: str) -> bytes:
    document = Document(io.BytesIO(notice_docx.builtin_template()))
    document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_bureau_replaces_the_word_template_of_the_recognition_notice(client, world, two_batches, city):
    call = world["call"]
    bad = SimpleUploadedFile("bad.docx", _bureau_template("{{ secret_key }}"))
    with pytest.raises(document_services.TemplateRejected) as refused:
        document_services.upload_template(call=call, kind="recognition_notice_docx", upload=bad, user=city)
    assert "未知的占位符 secret_key" in refused.value.message
    good = SimpleUploadedFile("ours.docx", _bureau_template("本局自定义模板 {{ issuer }}"))
    document_services.upload_template(call=call, kind="recognition_notice_docx", upload=good, user=city)
    client.force_login(city)
    client.post(reverse("publicity:recognition_notice", args=[call.pk]),
                {"document_number": "天经信发〔2026〕12号", "issue_date": "2026-04-21"})
    text = _docx_text(client.get(reverse("publicity:recognition_notice_docx", args=[call.pk])).content)
    assert "本局自定义模板 天门市经济和信息化局" in text and "天经信发〔2026〕12号" in text
    builtin = client.get(reverse("documents:builtin_template", args=["recognition_notice_docx"]))
    assert builtin.status_code == 200 and Document(io.BytesIO(builtin.content)).paragraphs


def _template_without(name: str, extra: str = "") -> bytes:
    """The built-in notice template with every paragraph/cell using ``name`` emptied, plus ``extra``."""
    document = Document(io.BytesIO(notice_docx.builtin_template()))
    for paragraph in document.paragraphs:
        if name in paragraph.text:
            paragraph.text = ""
    if extra:
        document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_bureau_replaces_the_word_template_of_the_publicity_notice(client, world, published, city):
    call = published.call
    client.force_login(city)
    url = reverse("documents:templates")
    response = client.post(url, {"call": call.pk, "kind": "publicity_notice_docx",
                                 "file": SimpleUploadedFile("bad.docx", _template_without("date", "{{ 联系人 }}"))})
    page = response.content.decode()
    assert response.status_code == 400 and "未知的占位符 联系人" in page and "缺少必需的占位符 date" in page
    good = _template_without("document_number", "天门市经信局公示专用模板 {{ issuer }}")  # no 文号: still valid
    response = client.post(url, {"call": call.pk, "kind": "publicity_notice_docx",
                                 "file": SimpleUploadedFile("公示模板.docx", good)})
    assert response.status_code == 302
    text = _docx_text(client.get(reverse("publicity:publicity_notice_docx", args=[published.pk])).content)
    assert "天门市经信局公示专用模板" in text and published.title in text
    assert all(e.enterprise_name in text for e in published.entries.all())
    template = document_services.active_template(call, "publicity_notice_docx")
    assert AuditEntry.objects.filter(action="document_template.enable", object_id=template.pk).exists()
    client.post(reverse("documents:template_deactivate", args=[template.pk]))
    text = _docx_text(client.get(reverse("publicity:publicity_notice_docx", args=[published.pk])).content)
    assert "公示专用模板" not in text and published.title in text
