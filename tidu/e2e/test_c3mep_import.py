"""The 自评估报告 import in a real browser: on the maturity step the enterprise uploads the report PDF (one the tests
typeset), sees the values it carries filled into the form with the notice that nothing is saved yet, and saves;
later the level it types differs from the report's, and the city's 形式审查 page warns of the mismatch."""

import re

import pytest
from django.urls import reverse

from tidu import testing as t
from tidu.applications.workflow import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call = t.load_call()
    unit = t.unit("竟陵街道办事处")
    t.officer(unit, "town_c3mep")
    t.city_officer("city_c3mep")
    company = t.enterprise(unit, "天门市华楚精密机械有限公司")
    owner = t.enterprise_user(company, "huachu_c3mep")
    application = t.application(company, call=call)
    sections = [key for key in t.complete_section_data(application) if key != "maturity"]
    t.fill_complete_application(application, owner, with_evidence=False, sections=sections)
    report = tmp_path / "自评估报告.pdf"
    report.write_bytes(t.c3mep_report_pdf("lines", level="三级（集成级）", score="3.05",
                                          number="C3MEP-2025-000123", date="2025年12月18日"))
    return application, report


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', t.PASSWORD)
    with page.expect_navigation():
        page.click('form button[type="submit"]')


def test_enterprise_imports_its_report_and_the_formal_reviewer_sees_a_mismatch(page, world, screenshot):
    application, report = world
    log_in(page, "huachu_c3mep")
    page.goto(reverse("applications:section", args=[application.pk, "maturity"]))
    upload = page.locator("#evidence-maturity_report form.upload-form")
    upload.locator('input[type="file"]').set_input_files(str(report))
    with page.expect_navigation():
        upload.get_by_role("button", name="上传").click()

    notice = page.locator("#report-import")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "已从自评估报告“自评估报告.pdf”读取以下数值" in text and "三级（集成级）" in text
    assert "C3MEP-2025-000123" in text and "2025年12月18日" in text and "保存前申报书不会改变" in text
    form = page.locator("#section-form")
    assert form.locator('[name="level"]').input_value() == "3"
    assert form.locator('[name="score"]').input_value() == "3.05"
    assert form.locator('[name="report_number"]').input_value() == "C3MEP-2025-000123"
    assert application.sections.get(key="maturity").data.get("level") in (None, "")  # not saved yet
    screenshot(page, "readiness-c3mep-import")
    with page.expect_navigation():
        form.get_by_role("button", name="保存", exact=True).click()
    assert application.sections.get(key="maturity").data["level"] == "3"

    # Later the enterprise types 二级 while the report says 三级, and submits.
    page.goto(reverse("applications:section", args=[application.pk, "maturity"]))
    page.locator("#section-form").locator('[name="level"]').select_option("2")
    with page.expect_navigation():
        page.locator("#section-form").get_by_role("button", name="保存", exact=True).click()
    assert application.sections.get(key="maturity").data["level"] == "2"
    t.drive_to(application, State.RECEIVED)

    log_in(page, "city_c3mep")
    page.goto(reverse("review:formal_review", args=[application.pk]))
    warning = page.locator("#report-mismatch")
    assert warning.is_visible()
    assert re.search(r"自评估等级：报告为 三级（集成级），申报书填写 二级（规范级）", warning.inner_text())
