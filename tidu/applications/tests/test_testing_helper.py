"""fill_complete_application: the shared helper for a complete, passing application."""

import hashlib

import pytest

from tidu.applications import services
from tidu.applications.testing import fill_complete_application, minimal_pdf_bytes
from tidu.applications.tests.conftest import IN_WINDOW

pytestmark = pytest.mark.django_db


def test_minimal_pdf_is_a_real_pdf():
    from io import BytesIO

    from pypdf import PdfReader

    content = minimal_pdf_bytes("x")
    assert content.startswith(b"%PDF-")
    assert len(PdfReader(BytesIO(content)).pages) == 1


def test_fill_complete_application_completes_every_section(app_a, users):
    fill_complete_application(app_a, users["a"])
    progress = services.application_progress(app_a)
    assert all(item.complete for item in progress), [(i.key, i.clean.missing, i.clean.errors) for i in progress]
    evidence = app_a.evidence.get()
    assert (evidence.section, evidence.topic) == ("maturity", "maturity_report")
    assert evidence.sha256 == hashlib.sha256(evidence.file.open("rb").read()).hexdigest()
    assert app_a.sections.get(key="basic").data["above_designated_size"] == "yes"
    assert app_a.sections.get(key="kpis").data["K01"] == {"part": "46", "whole": "58"}
    assert services.submission_blockers(app_a, services.call_policy_for(app_a.call), IN_WINDOW) == []


def test_submitted_in_the_window_it_is_eligible(app_a, users):
    fill_complete_application(app_a, users["a"])
    submission = services.application_submit(application=app_a, user=users["a"], idempotency_key="h",
                                              now=IN_WINDOW)
    assert submission.verdict["eligible"] is True and submission.verdict["outcome"] == "eligible"
    assert submission.attested_by_name == "李强"


def test_without_evidence_maturity_stays_incomplete(app_a, users):
    fill_complete_application(app_a, users["a"], with_evidence=False)
    incomplete = [item.key for item in services.application_progress(app_a) if not item.complete]
    assert incomplete == ["maturity"]


def test_can_be_called_twice(app_a, users):
    fill_complete_application(app_a, users["a"])
    fill_complete_application(app_a, users["a"])
    assert app_a.evidence.count() == 1
    assert app_a.sections.get(key="basic").revision == 1  # the same content again is no new revision
