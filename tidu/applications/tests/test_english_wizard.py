"""The 申报书 wizard in English: section titles, labels, help, options and field messages come from the catalogue
(Chinese is the source language); the printed dossier stays Chinese; dates follow the reader's language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tidu.applications.sections import SECTIONS, SECTIONS_BY_KEY, clean_section
from tidu.applications.tests.conftest import login
from tidu.testing import fill_complete_application

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _back_to_chinese():
    yield
    translation.deactivate()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def section_url(application, key):
    return reverse("applications:section", args=[application.pk, key])


def test_every_label_option_and_help_has_an_english_translation():
    with translation.override("en"):
        for section in SECTIONS:
            texts = [section.title, section.intro]
            for spec in section.fields:
                texts += [spec.label, spec.help, *(label for _value, label in spec.choices)]
                for column in spec.columns:
                    texts += [column.label, column.help, *(label for _value, label in column.choices)]
            for text in texts:
                assert not CJK.search(str(text).replace("智能制造", "")) or "《" in str(text), (section.key, str(text))
    with translation.override("zh-hans"):
        assert str(SECTIONS_BY_KEY["basic"].title) == "基本信息"


def test_section_pages_in_english(client, users, app_a):
    login(english(client), users["a"])
    basic = client.get(section_url(app_a, "basic")).content.decode()
    for text in ("Basic information", "Legal status", "Independent legal person", "Contact phone",
                 "Industrial enterprise above designated size", ">Yes<" if ">Yes<" in basic else " Yes</label>",
                 "Taken from the enterprise registration"):
        assert text in basic, text
    # (the verdict panel quotes the policy's clause texts, which stay Chinese: look at labels and options)
    for text in ("基本信息<", ">法人类型", ">独立法人<", "是否为规模以上工业企业<span"):
        assert text not in basic, text
    conditions = client.get(section_url(app_a, "conditions")).content.decode()
    for text in ("Any bad credit records in the last three years", "Willing to cooperate with on-site verification"):
        assert text in conditions, text
    maturity = client.get(section_url(app_a, "maturity")).content.decode()
    assert "Level 3 (integrated)" in maturity and "三级（集成级）" not in maturity


def test_field_messages_in_english(client, users, app_a):
    login(english(client), users["a"])
    revision = app_a.sections.get(key="scope").revision
    response = client.post(section_url(app_a, "scope"), {
        "base_revision": str(revision), "go": "next", "scope": "车间级", "project_name": "数字化车间",
        "start_date": "2025-06-01", "end_date": "2025-01-01", "total_investment_10k_yuan": "－5", "summary": "概况"})
    page = client.get(response["Location"]).content.decode()
    assert "The construction completion date (1 Jan 2025) is before the start date (1 Jun 2025)" in page
    assert "Total investment (10,000 yuan) cannot be negative (－5 entered)" in page
    # The same input read in Chinese, Chinese messages with Chinese dates
    with translation.override("zh-hans"):
        errors = clean_section(SECTIONS_BY_KEY["scope"], app_a.sections.get(key="scope").data).errors
    assert errors["end_date"] == "建设完成日期（2025年1月1日）早于建设开始日期（2025年6月1日），请核对两个日期"


def test_check_your_answers_in_english_with_english_dates(client, users, app_a):
    fill_complete_application(app_a, users["a"])
    login(english(client), users["a"])
    page = client.get(reverse("applications:submit", args=[app_a.pk])).content.decode()
    for text in ("Maturity self-assessment", "Assessment report date", "Construction start date", "Scenarios built"):
        assert text in page, text
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", page)
    assert not re.search(r"<dd[^>]*>\s*20\d\d-\d\d-\d\d\s*</dd>", page), "an ISO date on the summary"

    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("applications:submit", args=[app_a.pk])).content.decode()
    assert "评估报告日期" in page and re.search(r"20\d\d年\d{1,2}月\d{1,2}日", page)
    assert not re.search(r"<dd[^>]*>\s*20\d\d-\d\d-\d\d\s*</dd>", page)


def test_dossier_stays_chinese_when_asked_for_in_english(users, app_a):
    from tidu.documents.dossier import build_dossier

    fill_complete_application(app_a, users["a"])
    with translation.override("en"):
        dossier = build_dossier(app_a, inspect_files=False)
    labels = [item.label for item in dossier.basic]
    assert "企业名称" in labels and "Enterprise name" not in labels
    declarations = " ".join(item.declaration for item in dossier.conditions)
    assert "Yes" not in declarations and "是" in declarations


def test_engine_dates_are_written_the_chinese_way(users, app_a):
    """自评估报告日期 in the verdict is 2025年12月18日, never the ISO form."""
    from tidu.applications.services import application_verdict
    from tidu.policy.selectors import call_policy_for

    fill_complete_application(app_a, users["a"])
    verdict = application_verdict(app_a, call_policy_for(app_a.call))
    messages = " ".join(finding.message for finding in verdict.findings)
    assert "自评估报告日期 " in messages
    assert not re.search(r"自评估报告日期 \d{4}-", messages)
    assert re.search(r"自评估报告日期 20\d\d年\d{1,2}月\d{1,2}日", messages)


def test_the_verdict_panel_shows_the_engines_findings_in_english(client, users, app_a):
    """The engine words its findings in Chinese (stored so in receipts); the panel renders each from its source
    sentence in the reader's language. Here one message is given an English translation for the test."""
    from tidu.testing import english as with_english

    login(english(client), users["a"])
    with with_english({"尚未填写智能制造专业人才人数": "Number of smart-manufacturing specialists not given",
                       "。": "."}):
        page = client.get(section_url(app_a, "basic")).content.decode()
    panel = page[page.index('id="eligibility-panel"'):]
    assert "Number of smart-manufacturing specialists not given" in panel
    assert "尚未填写智能制造专业人才人数" not in panel
    client.cookies["django_language"] = "zh-hans"
    assert "尚未填写智能制造专业人才人数" in client.get(section_url(app_a, "basic")).content.decode()
