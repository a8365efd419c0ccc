"""Importing the 智能制造能力成熟度自评估报告 (c3mep): read from report-shaped PDFs the tests typeset, pre-fill the
maturity section for the enterprise to confirm, keep the PDF as evidence, refuse what is not a report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications import c3mep
from tidu.applications.models import Evidence
from tidu.applications.tests.conftest import login
from tidu.core.models import AuditEntry
from tidu.testing import c3mep_report_pdf, minimal_pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("layout", "kwargs", "expected"), [
    ("lines", {}, (2, "2.35", "C3MEP-2025-000123", "2025-12-18")),
    ("table", {"level": "2级", "score": "２．３５", "number": "ＣＭＥ－２０２５－７７"},
     (2, "2.35", "CME-2025-77", "2025-12-18")),
    ("header", {"level": "三级", "score": "3.1", "date": "2025-11-02"}, (3, "3.1", "C3MEP-2025-000123", "2025-11-02")),
    ("lines", {"level": "四级（优化级）", "score": "３．６０分", "date": "２０２６年１月５日"},
     (4, "3.6", "C3MEP-2025-000123", "2026-01-05")),
])
def test_level_score_number_and_date_are_read_from_several_layouts(layout, kwargs, expected):
    facts = c3mep.read_report(c3mep_report_pdf(layout, **kwargs))
    assert (facts.level, facts.score, facts.report_number, facts.report_date) == expected


def test_a_pdf_that_is_not_a_report_is_refused_with_a_chinese_message():
    with pytest.raises(c3mep.ReportUnreadable, match="不是智能制造评估评价公共服务平台出具的智能制造能力成熟度自评估报告"):
        c3mep.read_report(c3mep_report_pdf("letter"))
    with pytest.raises(c3mep.ReportUnreadable, match="扫描件"):
        c3mep.read_report(minimal_pdf_bytes("空白"))
    with pytest.raises(c3mep.ReportUnreadable, match="找不到成熟度等级"):
        c3mep.parse_report("智能制造能力成熟度自评估报告\n本报告共五章，详见附件。")
    with pytest.raises(c3mep.ReportUnreadable, match="无法读取"):
        c3mep.read_report(b"%PDF-1.4 broken")


def test_a_score_beyond_the_scale_is_not_taken():
    facts = c3mep.parse_report("智能制造能力成熟度自评估报告\n评估等级：二级\n评估得分：85")
    assert facts.level == 2 and facts.score is None and "自评估得分" in facts.unread


def upload_report(client, application, content, name="自评估报告.pdf"):
    return client.post(reverse("applications:evidence_upload", args=[application.pk, "maturity"]),
                       {"topic": "maturity_report", "file": SimpleUploadedFile(name, content, "application/pdf")})


def test_upload_prefills_the_form_and_saves_only_when_the_enterprise_confirms(client, users, app_a):
    login(client, users["a"])
    response = upload_report(client, app_a, c3mep_report_pdf("table", level="3级", score="3.05"))
    evidence = Evidence.objects.get(application=app_a, topic="maturity_report")
    assert evidence.extracted == {"c3mep": {"level": 3, "score": "3.05", "report_number": "C3MEP-2025-000123",
                                            "report_date": "2025-12-18"}}
    assert response.status_code == 302 and response["Location"].endswith(f"?import={evidence.pk}#report-import")
    page = client.get(response["Location"]).content.decode()
    assert "已从自评估报告“自评估报告.pdf”读取以下数值" in page and "三级（集成级）" in page
    assert 'value="3.05"' in page and 'value="C3MEP-2025-000123"' in page and "2025年12月18日" in page
    assert app_a.sections.get(key="maturity").data == {}  # nothing saved before the enterprise confirms

    form = {"base_revision": "0", "editor_token": "t1", "imported_from": str(evidence.pk), "level": "3",
            "score": "3.05", "report_number": "C3MEP-2025-000123", "report_date": "2025-12-18",
            "platform": c3mep.PLATFORM}
    assert client.post(reverse("applications:section", args=[app_a.pk, "maturity"]), form).status_code == 302
    saved = app_a.sections.get(key="maturity")
    assert saved.data["level"] == "3" and saved.data["score"] == "3.05"
    entry = AuditEntry.objects.filter(action="application.section_save").latest("pk")
    assert entry.actor == users["a"] and entry.detail["imported_from"]["evidence"] == evidence.pk


def test_another_applications_report_is_not_imported(client, users, app_a, app_b):
    login(client, users["b"])
    upload_report(client, app_b, c3mep_report_pdf())
    other = Evidence.objects.get(application=app_b)
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "maturity"]) + f"?import={other.pk}")
    assert page.status_code == 200 and "已从自评估报告" not in page.content.decode()


def test_a_non_report_pdf_is_kept_as_evidence_and_the_enterprise_types_the_values(client, users, app_a):
    login(client, users["a"])
    response = upload_report(client, app_a, c3mep_report_pdf("letter"), name="安全生产情况.pdf")
    page = client.get(response["Location"]).content.decode()
    assert "未能从自评估报告读取数值：该 PDF 不是智能制造评估评价公共服务平台出具的智能制造能力成熟度自评估报告" in page
    assert "请确认上传的文件，或手动填写自评估等级、得分、报告编号和日期" in page
    evidence = Evidence.objects.get(application=app_a)
    assert evidence.original_name == "安全生产情况.pdf" and "c3mep_error" in evidence.extracted
    assert app_a.sections.get(key="maturity").data == {}


def test_mismatches_name_both_values():
    facts = c3mep.ReportFacts(level=2, score="2.35", report_number="C3MEP-1", report_date="2025-12-18")
    typed = {"level": "3", "score": 2.35, "report_number": "c3mep-1", "report_date": "2025-12-19"}
    assert c3mep.mismatches(facts, typed) == [
        {"field": "level", "label": "自评估等级", "report": "二级（规范级）", "typed": "三级（集成级）"},
        {"field": "report_date", "label": "评估报告日期", "report": "2025-12-18", "typed": "2025-12-19"}]
    assert c3mep.mismatches(facts, {"level": "2", "score": 2.35, "report_number": "C3MEP-1",
                                    "report_date": "2025-12-18"}) == []


def test_what_the_report_does_not_give_is_left_to_type(client, users, app_a):
    login(client, users["a"])
    response = upload_report(client, app_a, c3mep_report_pdf("lines", score="85"))  # not on the 0–5 scale
    page = client.get(response["Location"]).content.decode()
    assert "自评估得分：未读取到" in page and "以下内容未能从报告读取，请手动填写：自评估得分" in page
    assert 'value="C3MEP-2025-000123"' in page
