"""形式审查 flags a 自评估报告 whose level, score, number or date differ from what the 申报书 states."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.evidence import evidence_upload
from tidu.applications.testing import fill_complete_application
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.review import services
from tidu.review.tests.conftest import IN_WINDOW, login
from tidu.review.tests.lifecycle import actor, drive_to
from tidu.testing import c3mep_report_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)


def with_report(application, pdf):
    """The report uploaded before the helper fills the rest (it then keeps this report, typed values its own:
    二级, 2.15, C3ME-2025-420000-01234, 2025-12-18)."""
    user = actor(application, "enterprise")
    evidence_upload(application=application, section="maturity", topic="maturity_report", user=user,
                    upload=SimpleUploadedFile("自评估报告.pdf", pdf, content_type="application/pdf"))
    fill_complete_application(application, user)
    return drive_to(application, State.RECEIVED)


def match_item(application):
    return next((item for item in services.formal_checklist(application)
                 if item.key == "evidence:maturity_report_match"), None)


def test_a_report_that_differs_is_an_item_to_review_showing_both_values(client, app_a, users):
    with_report(app_a, c3mep_report_pdf("lines", level="三级（集成级）", score="2.15",
                                        number="C3ME-2025-420000-01234", date="2025年12月18日"))
    item = match_item(app_a)
    assert not item.engine_checked and item.engine_result == "review"
    assert "自评估等级：报告为 三级（集成级），申报书填写 二级（规范级）" in item.engine_message
    login(client, users["city"])
    page = client.get(reverse("review:formal_review", args=[app_a.pk])).content.decode()
    assert "自评估报告与申报书填写一致" in page and 'id="report-mismatch"' in page
    assert "报告为 三级（集成级），申报书填写 二级（规范级）" in page


def test_a_report_that_agrees_passes_and_an_unread_one_adds_no_item(client, app_a, app_b, users):
    with_report(app_a, c3mep_report_pdf("table", level="2级", score="２．１５", number="C3ME-2025-420000-01234"))
    assert match_item(app_a).engine_checked
    with_report(app_b, c3mep_report_pdf("letter"))
    assert match_item(app_b) is None
    login(client, users["city"])
    assert 'id="report-mismatch"' not in client.get(reverse("review:formal_review", args=[app_a.pk])).content.decode()
