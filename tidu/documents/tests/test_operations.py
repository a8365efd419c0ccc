"""Templates and jobs are operations: one audit row each, the right people only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tidu.core.models import AuditEntry
from tidu.documents import services
from tidu.documents.models import DocumentJob, DocumentTemplate
from tidu.documents.tests.test_templates import DOCX_KIND, GOOD_DOCX
from tidu.documents.typst_engine import DocumentError

pytestmark = pytest.mark.django_db


def _rows(object_type):
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("id"))


def test_enabling_a_template_writes_one_row_naming_what_it_replaced(users, call):
    first = services.upload_template(call=call, kind=DOCX_KIND, user=users["city"],
                                     upload=SimpleUploadedFile("甲.docx", GOOD_DOCX))
    second = services.upload_template(call=call, kind=DOCX_KIND, user=users["city"],
                                      upload=SimpleUploadedFile("乙.docx", GOOD_DOCX))
    rows = _rows("document_template")
    assert [(r.action, r.object_id, r.actor) for r in rows] == [
        ("document_template.enable", str(first.pk), users["city"]),
        ("document_template.enable", str(second.pk), users["city"])]
    assert rows[1].detail["replaced"] == [first.pk] and rows[1].content_sha256 == second.sha256
    assert rows[1].detail["name"] == "乙.docx"


def test_disabling_writes_one_row_and_a_second_disable_is_refused_in_chinese(users, call):
    template = services.upload_template(call=call, kind=DOCX_KIND, user=users["city"],
                                        upload=SimpleUploadedFile("甲.docx", GOOD_DOCX))
    services.deactivate_template(template, users["city"])
    row = _rows("document_template")[-1]
    assert (row.action, row.from_status, row.to_status) == ("document_template.disable", "active", "inactive")
    with pytest.raises(DocumentError, match="该模板已停用"):
        services.deactivate_template(DocumentTemplate.objects.get(pk=template.pk), users["city"])
    assert len(_rows("document_template")) == 2


def test_only_the_city_and_the_administrator_manage_templates(users, call):
    with pytest.raises(PermissionDenied):
        services.upload_template(call=call, kind=DOCX_KIND, user=users["x"],
                                 upload=SimpleUploadedFile("甲.docx", GOOD_DOCX))
    assert not DocumentTemplate.objects.exists() and not _rows("document_template")


def test_starting_a_job_is_recorded_with_who_and_what(users, submitted_a):
    job = services.start_bound_dossier(submitted_a, users["x"])
    row, = _rows("document_job")
    assert (row.object_id, row.actor, row.application_id, row.detail["kind"]) == (
        str(job.pk), users["x"], submitted_a.pk, DocumentJob.Kind.BOUND_DOSSIER)


def test_a_refused_job_writes_nothing(users, draft_a):
    with pytest.raises(services.JobRefused):
        services.start_bound_dossier(draft_a, users["x"])  # a draft never leaves the enterprise
    assert not _rows("document_job") and not DocumentJob.objects.exists()
