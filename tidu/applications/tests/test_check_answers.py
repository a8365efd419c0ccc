"""检查并提交 as a check-your-answers page: every section, the evidence, the verdict, a watermarked 预览 PDF."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tidu.applications.models import Submission
from tidu.applications.sections import SECTIONS
from tidu.applications.testing import fill_complete_application
from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db


def submit_url(application):
    return reverse("applications:submit", args=[application.pk])


def test_the_page_shows_every_section_the_evidence_and_the_verdict(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    page = client.get(submit_url(app_a)).content.decode()
    for spec in SECTIONS:
        assert f'id="answers-{spec.key}"' in page, spec.key
        assert reverse("applications:section", args=[app_a.pk, spec.key]) in page  # 修改 leads back
    basic = app_a.sections.get(key="basic").data
    assert basic["name"] in page and basic["contact_phone"] in page
    for evidence in app_a.evidence.all():
        assert evidence.original_name in page
    assert "符合申报条件" in page  # the live verdict
    assert reverse("documents:application_pdf", args=[app_a.pk]) in page
    assert 'name="idempotency_key"' in page  # and it is submitted from here


def test_submitting_from_the_page_gives_the_receipt(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    response = client.post(submit_url(app_a), {"idempotency_key": "check-answers-1"})
    submission = Submission.objects.get()
    assert response["Location"] == reverse("applications:receipt", args=[app_a.pk, submission.number])


def _pdf_pages(response) -> list[str]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def test_the_preview_pdf_is_watermarked_until_submitted(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    url = reverse("documents:application_pdf", args=[app_a.pk])
    pages = _pdf_pages(client.get(url))
    assert pages and all("预览" in text and "未提交" in text for text in pages)
    client.post(submit_url(app_a), {"idempotency_key": "check-answers-2"})
    assert not any("预览" in text for text in _pdf_pages(client.get(url)))


def test_the_last_step_leads_on_to_check_and_submit(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    login(client, users["a"])
    last = SECTIONS[-1].key
    url = reverse("applications:section", args=[app_a.pk, last])
    assert "保存并检查提交" in client.get(url).content.decode()
    row = app_a.sections.get(key=last)
    form = {k: v for k, v in row.data.items() if isinstance(v, str)}
    response = client.post(url, {**form, "base_revision": str(row.revision), "go": "review"})
    assert response.status_code == 302 and response["Location"] == submit_url(app_a)
