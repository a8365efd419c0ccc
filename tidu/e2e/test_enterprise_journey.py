"""An enterprise registers, its township confirms it, it fills every section in a real browser,
uploads evidence, watches the live verdict turn green and submits."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tidu.applications.content import REGISTRY_FIELDS
from tidu.applications.models import Application, Submission
from tidu.applications.sections import SECTIONS
from tidu.applications.testing import complete_section_data, minimal_pdf_bytes
from tidu.core.demo import DEMO_PASSWORD
from tidu.e2e.conftest import autosave_idle, load_demo_base
from tidu.enterprises.credit_code import check_character

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "天门市汉江智能装备有限公司"
CREDIT_CODE_17 = "91429006MA4H3K5L2"
CREDIT_CODE = CREDIT_CODE_17 + check_character(CREDIT_CODE_17)
IN_WINDOW = "2026-02-20T10:00:00+08:00"  # inside the call window and before the township deadline


@pytest.fixture
def demo_world(settings, tmp_path):
    load_demo_base(settings, tmp_path, now=IN_WINDOW, enterprises=False)


def log_in(page, username, password=DEMO_PASSWORD):
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button:has-text("登录")')
    page.wait_for_load_state()


def log_out(page):
    page.click('button:has-text("退出")')
    page.wait_for_load_state()


def fill_section(page, key, data):
    """Type one section's data into its form the way a person would, then press 保存."""
    for name, value in data.items():
        if isinstance(value, list):
            container = page.locator(f'[data-rows="{name}"]')
            for index, row in enumerate(value):
                present = container.locator("[data-rows-body] > [data-row]").count()
                if index >= present:
                    container.locator("[data-add-row]").click()
                for column, cell in row.items():
                    _fill_field(page, f"{name}-{index}-{column}", cell)
        elif isinstance(value, dict):  # KPI inputs
            for input_key, number in value.items():
                page.fill(f'[name="kpi-{name}-{input_key}"]', number)
        elif key == "basic" and name in REGISTRY_FIELDS:
            # Identity comes from the registration, shown read-only: the page offers no field to type it into.
            assert page.locator(f'#section-form [name="{name}"]:not([type="hidden"])').count() == 0, name
        else:
            _fill_field(page, name, value)
    with page.expect_navigation():
        page.click('#section-form button[type="submit"]:has-text("保存")')
    assert "已保存" in page.content(), f"{key} was not saved"


def _fill_field(page, name, value):
    if not value:
        return
    autosave_idle(page)
    element = page.locator(f'[name="{name}"]').first
    tag = element.evaluate("e => e.tagName.toLowerCase()")
    kind = element.get_attribute("type")
    if tag == "select":
        element.select_option(value)
    elif kind == "radio":
        page.check(f'input[name="{name}"][value="{value}"]')
    elif kind == "checkbox":
        page.check(f'input[name="{name}"]')
    else:
        element.fill(value)
        element.blur()  # the change event (and its autosave) now, not when the next field is clicked
    autosave_idle(page)


def test_enterprise_registers_fills_every_section_and_submits(page, demo_world, screenshot, tmp_path):
    # 1. Registration, with one mistake first: a wrong check character is explained and nothing typed is lost.
    page.goto("/enterprises/register/")
    page.fill('[name="name"]', COMPANY)
    page.fill('[name="credit_code"]', CREDIT_CODE_17 + ("0" if CREDIT_CODE[-1] != "0" else "1"))
    page.select_option('[name="legal_status"]', "legal_person")
    page.select_option('[name="unit"]', label="岳口镇")
    page.select_option('[name="industry_division"]', "C34")
    page.fill('[name="address"]', "岳口镇工业园汉江大道1号")
    page.fill('[name="legal_representative"]', "周海")
    page.fill('[name="contact_name"]', "周明")
    page.fill('[name="contact_phone"]', "13907281888")
    page.fill('[name="contact_email"]', "zhouming@hanjiang.example")
    page.fill('[name="username"]', "hanjiang")
    page.fill('[name="password1"]', "Hanjiang-2026-secure")
    page.fill('[name="password2"]', "Hanjiang-2026-secure")
    page.click('button:has-text("提交登记")')
    page.wait_for_load_state()
    assert "校验码应为" in page.content()
    assert page.input_value('[name="name"]') == COMPANY
    screenshot(page, "01-enterprise-register-error")
    page.fill('[name="credit_code"]', CREDIT_CODE)
    page.fill('[name="password1"]', "Hanjiang-2026-secure")
    page.fill('[name="password2"]', "Hanjiang-2026-secure")
    page.click('button:has-text("提交登记")')
    page.wait_for_load_state()
    assert "等待" in page.content() and "确认" in page.content()
    log_out(page)

    # 2. The township (岳口镇) confirms the enterprise.
    log_in(page, "yuekou")
    page.goto("/enterprises/unit/")
    row = page.locator("tr", has_text=COMPANY)
    screenshot(page, "02-township-confirms-enterprise")
    with page.expect_navigation():
        row.locator('button:has-text("确认")').click()
    assert "已确认" in page.locator("tr", has_text=COMPANY).inner_text()
    log_out(page)

    # 3. The enterprise starts its application and fills every section.
    log_in(page, "hanjiang", "Hanjiang-2026-secure")
    page.goto("/applications/")
    with page.expect_navigation():
        page.click('button:has-text("开始填写")')
    application = Application.objects.get(enterprise__credit_code=CREDIT_CODE)
    data = complete_section_data(application)
    data["attestation"]["confirmed"] = "yes"
    first_panel = None
    for section in SECTIONS:
        page.goto(f"/applications/{application.pk}/{section.key}/")
        if first_panel is None:
            first_panel = page.locator("#eligibility-panel").inner_text()
            assert "不符合" not in first_panel.replace("不符合申报条件", "")  # unanswered is 待填写, never 不符合
            assert "待填写" in first_panel
        fill_section(page, section.key, data[section.key])
        if section.key == "basic":
            screenshot(page, "03-wizard-basic-section")

    # 4. Evidence: the maturity self-assessment report, uploaded through the form.
    report = tmp_path / "自评估报告.pdf"
    report.write_bytes(minimal_pdf_bytes("自评估报告"))
    page.goto(f"/applications/{application.pk}/maturity/")
    upload = page.locator("#evidence-maturity_report form.upload-form")
    upload.locator('input[type="file"]').set_input_files(str(report))
    with page.expect_navigation():
        upload.locator('button:has-text("上传")').click()
    assert "自评估报告.pdf" in page.locator("#evidence-maturity_report").inner_text()

    # 5. The live verdict has turned green.
    panel = page.locator("#eligibility-panel")
    assert panel.locator(".outcome-eligible").count() == 1, panel.inner_text() + page.content()[-3000:]
    assert "符合申报条件" in panel.inner_text()
    screenshot(page, "04-wizard-verdict-green")

    # 6. Submit once, with a double click: one receipt.
    page.goto(f"/applications/{application.pk}/submit/")
    screenshot(page, "05-submit-review")
    with page.expect_navigation():
        page.dblclick('button:has-text("确认提交")')
    text = page.content()
    number = re.search(r"TIANMEN-2026-BASIC-\d{6}", text)
    assert number, "no receipt number on the receipt page"
    assert Submission.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.status == "submitted"
    screenshot(page, "06-receipt")

    page.goto(f"/applications/{application.pk}/status/")
    assert "已提交" in page.content()
    screenshot(page, "07-status-page")

    # 7. Every document of the dossier downloads and opens with a real parser.
    check_downloads(page, application, tmp_path)


def _download(page, link_text, tmp_path):
    with page.expect_download() as info:
        page.locator("#documents").get_by_role("link", name=link_text).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def check_downloads(page, application, tmp_path):
    import docx
    import openpyxl
    from pypdf import PdfReader

    docx_file = _download(page, "Word", tmp_path)
    document = docx.Document(docx_file)
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert COMPANY in "\n".join(texts)
    pdf_file = _download(page, "PDF", tmp_path)
    pdf_text = "".join(p.extract_text() for p in PdfReader(pdf_file).pages)
    assert COMPANY in pdf_text and "基础级智能工厂申报书" in pdf_text
    with page.expect_download() as info:
        page.locator("#documents").get_by_role("link", name="PDF").nth(1).click()  # the 汇总表 row as PDF
    row_pdf = tmp_path / ("row-" + info.value.suggested_filename)
    info.value.save_as(row_pdf)
    # The narrow column wraps the code inside its cell: read the text without its line breaks.
    assert CREDIT_CODE in re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(row_pdf).pages))
    xlsx_file = _download(page, "Excel", tmp_path)
    cells = [str(c.value) for row in openpyxl.load_workbook(xlsx_file).active.iter_rows() for c in row if c.value]
    assert COMPANY in cells and CREDIT_CODE in cells
    _pdf_page_screenshot(pdf_file, "08-application-form-pdf-page1")

    with page.expect_navigation():
        page.click('button:has-text("生成装订版 PDF")')
    page.wait_for_selector("text=下载", timeout=60000)
    with page.expect_download() as info:
        page.click("a:has-text('下载')")
    bound = tmp_path / "bound.pdf"
    info.value.save_as(bound)
    reader = PdfReader(bound)
    assert len(reader.pages) > len(PdfReader(pdf_file).pages)  # the form plus its evidence
    assert reader.outline, "the bound dossier has bookmarks"
    screenshot_dir = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    page.screenshot(path=str(screenshot_dir / "09-bound-dossier-job.png"), full_page=True)


def _pdf_page_screenshot(pdf_file, name):
    """Render the first page of a PDF to PNG with pdftoppm (poppler-utils), as a person would see it printed."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return
    target = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / name
    subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf_file), str(target)],
                   check=True)
