"""The paperwork an official downloads agrees with the screen it was downloaded from.

The city officer filters the 受理审查 list and exports it to Excel: the workbook's rows are the screen's rows, in
the screen's order. From the expert-review page the officer downloads the 专家签到表, 专家组意见表 and each
expert's 评分表 (PDF and Word): the totals and the mean in them are the ones the page shows. The 形式审查表 and
the 现场核查表 come from their own pages. An expert downloads their own 评分表 from the scoring page, with the
total that page shows.
"""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tidu import testing as build
from tidu.accounts.models import User
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.decisions.exports import INTAKE_HEADERS, XLSX_FIRST_ROW
from tidu.documents.sheets import ZWSP
from tidu.e2e.test_review_pipeline import (
    CITY_TIME,
    COMPANY,
    SCORES,
    TOTALS,
    WAIT,
    click_and_wait,
    log_in,
    pipeline_world,
    set_clock,
)
from tidu.enterprises.models import Enterprise
from tidu.experts import services as expert_services
from tidu.experts.models import Assignment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
_world = pipeline_world  # the review pipeline's world: demo users (password DEMO_PASSWORD), 华楚's complete draft
MEAN = "76.75"  # (74.5 + 79) / 2: two experts, no trimming


def text_of(name: str, data: bytes) -> str:
    """The words of a downloaded PDF or Word file, without spaces and line breaks (a wrapped value reads whole)."""
    if name.endswith(".pdf"):
        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    else:
        from docx import Document

        document = Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        text = "\n".join(parts)
    return "".join(text.replace(ZWSP, "").split())


def download(page, link) -> tuple[str, bytes]:
    with page.expect_download(timeout=WAIT) as info:
        link.click()
    found = info.value
    with open(found.path(), "rb") as handle:
        return found.suggested_filename, handle.read()


def both_formats(page, pdf_link, word_link) -> list[str]:
    texts = []
    for link, extension in ((pdf_link, ".pdf"), (word_link, ".docx")):
        name, data = download(page, link)
        assert name.endswith(extension), name
        texts.append(text_of(name, data))
    return texts


@pytest.fixture
def world(settings, pipeline_world):
    """华楚 expert-reviewed by expert1 (74.5) and expert2 (79); two other enterprises' applications 已受理."""
    set_clock(settings, CITY_TIME)
    huachu = build.drive_to(pipeline_world, State.FORMAL_PASSED)
    city = User.objects.get(username="city")
    experts = [User.objects.get(username=name) for name in SCORES]
    assignments = expert_services.assign_experts(application=huachu, user=city, experts=experts)
    for assignment in assignments:
        build.submit_scores(assignment, SCORES[assignment.expert.username])
    expert_services.review_complete(application=huachu, user=city, quorum_override_reason=build.SHORT_PANEL_REASON)
    deliver_pending()
    others = [e for e in Enterprise.objects.exclude(pk=huachu.enterprise_id).filter(status=Enterprise.Status.CONFIRMED).order_by("pk")
              if User.objects.filter(role=User.Role.ENTERPRISE, organisation=e.organisation, is_active=True)][:2]
    assert len(others) == 2
    received = [build.drive_to(build.application(enterprise), State.RECEIVED) for enterprise in others]
    huachu.refresh_from_db()
    return huachu, received


def test_downloads_agree_with_the_screen(page, world):
    huachu, received = world
    log_in(page, "city")

    # 受理审查, filtered to 已受理: the Excel export has the screen's rows in the screen's order.
    page.goto("/review/intake/")
    page.select_option("#f-status", State.RECEIVED)
    click_and_wait(page, 'form.intake-filters button[type="submit"]')
    table = page.locator("table.app-list").first
    on_screen = [row.locator("td").nth(2).inner_text().strip() for row in table.locator("tbody tr").all()]
    assert sorted(on_screen) == sorted(a.enterprise.name for a in received)  # the filter took: 华楚 is not here
    name, data = download(page, page.locator("#intake-export-xlsx"))
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    column = INTAKE_HEADERS.index("企业")
    exported = [row[column] for row in sheet.iter_rows(min_row=XLSX_FIRST_ROW, values_only=True) if row[0]]
    assert exported == on_screen

    # 形式审查表 from the formal review page.
    page.goto(f"/review/applications/{huachu.pk}/formal/")
    for text in both_formats(page, page.locator('a[href$="/formal/sheet.pdf"]'),
                             page.locator('a[href$="/formal/sheet.docx"]')):
        assert "形式审查表" in text and COMPANY in text and huachu.enterprise.credit_code in text

    # The expert-review page: its totals and mean are the sheets' totals and mean.
    page.goto(f"/experts/applications/{huachu.pk}/")
    totals = {}
    for assignment in Assignment.objects.filter(application=huachu).select_related("expert"):
        row = page.locator(f"#assignment-{assignment.pk}")
        totals[assignment.pk] = row.locator('td[data-label="总分"]').inner_text().strip()
        assert totals[assignment.pk] == TOTALS[assignment.expert.username]
        for text in both_formats(page, row.locator('a[href$="/sheet.pdf"]'), row.locator('a[href$="/sheet.docx"]')):
            assert "专家评分表" in text and assignment.expert.display_name in text and totals[assignment.pk] in text
    assert page.locator("dl.facts dd").first.inner_text().strip().startswith(MEAN)
    for text in both_formats(page, page.locator('#sheets a[href$="panel-sheet.pdf"]'),
                             page.locator('#sheets a[href$="panel-sheet.docx"]')):
        assert "专家组意见表" in text and MEAN in text and all(total in text for total in totals.values())
    for text in both_formats(page, page.locator('#sheets a[href$="sign-in-sheet.pdf"]'),
                             page.locator('#sheets a[href$="sign-in-sheet.docx"]')):
        assert "专家签到表" in text and all(a.expert.display_name in text for a in
                                        Assignment.objects.filter(application=huachu))

    # A 评审会 recorded on its page, and its 专家签到表: the experts ticked and the application reviewed.
    page.goto("/experts/sessions/")
    click_and_wait(page, page.locator("a.btn", has_text="新建评审会"))
    page.select_option("#id_call", str(huachu.call_id))
    page.fill("#id_name", "第一次专家评审会")
    page.fill("#id_date", "2026-04-08")
    page.fill("#id_place", "市经信局三楼会议室")
    reviewers = [a.expert for a in Assignment.objects.filter(application=huachu).select_related("expert")]
    for expert in reviewers:
        page.locator("#session-experts label", has_text=expert.display_name).locator("input").check()
    page.locator("#session-applications label", has_text=COMPANY).locator("input").check()
    click_and_wait(page, 'form.xp-form button[type="submit"]')
    row = page.locator("#review-sessions tbody tr", has_text="第一次专家评审会")
    assert all(expert.display_name in row.inner_text() for expert in reviewers) and COMPANY in row.inner_text()
    for text in both_formats(page, row.locator('a[href$="sign-in-sheet.pdf"]'),
                             row.locator('a[href$="sign-in-sheet.docx"]')):
        assert "专家签到表" in text and "第一次专家评审会" in text and "市经信局三楼会议室" in text and COMPANY in text
        assert all(expert.display_name in text for expert in reviewers)

    # 现场核查表 from the on-site check page (linked from the expert-review page).
    page.goto(f"/experts/applications/{huachu.pk}/")
    click_and_wait(page, page.locator("p.xp-actions a.btn", has_text="现场核查（"))
    for text in both_formats(page, page.locator('#sheets a[href$="sheet.pdf"]'),
                             page.locator('#sheets a[href$="sheet.docx"]')):
        assert "现场核查表" in text and COMPANY in text

    # An expert's own 评分表, from the scoring page.
    mine = Assignment.objects.get(application=huachu, expert__username="expert1")
    log_in(page, "expert1")
    page.goto(f"/experts/mine/{mine.pk}/")
    for text in both_formats(page, page.locator('a[href$="/sheet.pdf"]').first,
                             page.locator('a[href$="/sheet.docx"]').first):
        assert "专家评分表" in text and TOTALS["expert1"] in text and mine.expert.display_name in text
