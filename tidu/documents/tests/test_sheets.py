"""The printable review sheets: each renders as PDF and Word with its key values and a 校验码 that the verify
page knows; long values stay inside their cells; only who may see the data can download a sheet."""

import io
import unicodedata

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tidu import testing as build
from tidu.applications.workflow import State
from tidu.documents import sheets as document_sheets
from tidu.documents.models import VerificationCode
from tidu.experts import selectors as expert_selectors
from tidu.experts import services as expert_services
from tidu.experts import sheets as expert_sheets
from tidu.experts import testing
from tidu.experts.models import Assignment, PanelOpinion
from tidu.experts.tests import conftest as expert_world
from tidu.onsite import services as onsite_services
from tidu.onsite import sheets as onsite_sheets
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.review import services as review_services
from tidu.review import sheets as review_sheets
from tidu.review.models import FormalReview

w = expert_world.w  # the expert review tests' small world (call, two enterprises, officers, four experts)
_media = expert_world._fast_hasher_and_media

CM = 72 / 2.54
PAGE_WIDTH = 21 * CM
MARGIN = 2 * CM
USABLE = PAGE_WIDTH - 2 * MARGIN


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() or "" for page in reader.pages).replace(document_sheets.ZWSP, "")


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    parts += [p.text for p in document.sections[0].footer.paragraphs]
    return "\n".join(parts)


def chunks(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x where the text starts, the least x where it can end, text) of every piece of text drawn.

    The end is a lower bound: a full-width character is 1 em, a space a fifth, anything else half an em."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        def visit(text, cm, tm, font, size, number=number):
            text = text.replace(document_sheets.ZWSP, "")
            if not text.strip():
                return
            scale = (tm[0] * cm[0]) or 1
            x = tm[4] * cm[0] + cm[4]
            em = size * abs(scale)
            width = sum(em if unicodedata.east_asian_width(ch) in "WF" else em / 5 if ch.isspace() else em / 2
                        for ch in text)
            found.append((number, x, x + width, text))
        page.extract_text(visitor_text=visit)
    return found


def columns(*widths) -> list[tuple[float, float]]:
    """Column edges in points for widths given as cm (float) or fr (int as "2fr" strings)."""
    fixed = sum(given * CM for given in widths if not isinstance(given, str))
    shares = sum(int(given[:-2]) for given in widths if isinstance(given, str))
    edges, x = [], MARGIN
    for given in widths:
        width = (USABLE - fixed) * int(given[:-2]) / shares if isinstance(given, str) else given * CM
        edges.append((x, x + width))
        x += width
    return edges


def assert_on_page(data: bytes):
    for page, start, end, text in chunks(data):
        assert MARGIN - 1 <= start and end <= PAGE_WIDTH - MARGIN + 1, (page, start, end, text[:40])


def assert_in_cells(data: bytes, marker: str, cells: list[tuple[float, float]]):
    """Every piece of text made only of ``marker`` starts inside one of ``cells`` and ends before its edge."""
    seen = 0
    for page, start, end, text in chunks(data):
        if set(text) != {marker}:
            continue
        seen += 1
        cell = next(((lo, hi) for lo, hi in cells if lo - 1 <= start < hi), None)
        assert cell is not None and end <= cell[1] + 1, (page, start, end, cell, len(text))
    assert seen


@pytest.fixture
def reviewed(w):
    return testing.to_expert_reviewed(w, "a")


@pytest.fixture
def check(w, reviewed):
    found = OnsiteCheck.objects.get(application=reviewed)
    onsite_services.inspectors_set(check=found, user=w["users"]["city"],
                                   inspectors=[w["users"]["city2"], w["experts"]["e4"]])
    item = found.items.first()
    onsite_services.item_decide(item=item, user=w["users"]["city2"], result=CheckItem.Result.MISMATCH,
                                note="现场仅有人工抽检")
    return found


def both(sheet):
    pdf = document_sheets.render_sheet_pdf(sheet, code="ABCDEFGHIJ", verify_url="https://example.test/verify/")
    docx = document_sheets.render_sheet_docx(sheet, code="ABCDEFGHIJ", verify_url="https://example.test/verify/")
    return pdf_text(pdf), docx_text(docx), pdf


@pytest.fixture
def received(w):
    return build.drive_to(testing.submit(w, "b"), State.RECEIVED)


def test_formal_review_sheet_before_and_after_the_decision(w, received):
    pdf, docx, _ = both(review_sheets.formal_review_sheet(received))
    for text in (pdf, docx):  # before: the engine's checklist, ticks left to the officer
        assert "形式审查表" in text and "天门市岳口纺织有限公司" in text and "91429006MA49ABCD2Y" in text
        assert "审查人（签字）" in text and "ABCDEFGHIJ" in text and "市局经办人" not in text
    review_services.formal_review_decide(application=received, user=w["users"]["city"],
                                         decision=FormalReview.Decision.FAIL, reason="自评估报告未加盖公章")
    pdf, docx, _ = both(review_sheets.formal_review_sheet(received))
    for text in (pdf, docx):
        assert "形式审查不通过" in text and "自评估报告未加盖公章" in text and "审查人：市局经办人" in text
        assert "√" in text or "×" in text


def test_score_panel_sign_in_and_onsite_sheets_render(w, reviewed, check):
    assignment = Assignment.objects.filter(application=reviewed).order_by("pk").first()
    pdf, docx, _ = both(expert_sheets.score_sheet(assignment))
    for text in (pdf, docx):
        assert "专家评分表" in text and "张专家" in text and "武汉某大学" in text and "72" in text
    panel = expert_selectors.panel_for(w["users"]["city"], reviewed)
    pdf, docx, _ = both(expert_sheets.panel_sheet(panel))
    for text in (pdf, docx):
        assert "专家组意见表" in text and all(n in text for n in ("张专家", "黄专家", "赵专家")) and "72" in text
    pdf, docx, _ = both(expert_sheets.sign_in_sheet(expert_selectors.review_state(reviewed)))
    for text in (pdf, docx):
        assert "专家签到表" in text and "湖北某研究院" in text and "签字" in text
    pdf, docx, _ = both(onsite_sheets.onsite_sheet(check))
    for text in (pdf, docx):
        assert "现场核查表" in text and "现场仅有人工抽检" in text and "市局核查员" in text and "企业代表" in text
        assert "照片索引" in text


def test_long_values_stay_inside_the_page_and_their_cells(w, reviewed):
    long_name = "甲" * 150  # as long as a user's name can be
    reviewed.enterprise.name = "乙" * 200  # as long as an enterprise's name can be
    reviewed.enterprise.save()
    long_employer = "W" * 200
    e1 = w["experts"]["e1"]
    e1.first_name, e1.last_name = long_name, ""
    e1.save()
    e1.expert_profile.employer_name = long_employer
    e1.expert_profile.save()
    opinion = "Ab1" * 1000  # 3,000 characters without a space
    PanelOpinion.objects.update_or_create(application=reviewed, defaults={"text": opinion,
                                                                          "written_by": w["users"]["city"]})
    Assignment.objects.filter(application=reviewed, expert=e1).update(comments=opinion)
    state = expert_selectors.review_state(reviewed)

    signin = document_sheets.render_sheet_pdf(expert_sheets.sign_in_sheet(state), code="ABCDEFGHIJ")
    assert_on_page(signin)
    members = columns(1.1, "2fr", "2fr", "3fr", "2fr", 2.6)
    assert_in_cells(signin, "甲", [members[1]])
    assert_in_cells(signin, "W", [members[3]])
    assert_in_cells(signin, "乙", [columns(4.0, "1fr")[1]])

    panel = expert_selectors.panel_for(w["users"]["city"], reviewed)
    pdf = document_sheets.render_sheet_pdf(expert_sheets.panel_sheet(panel), code="ABCDEFGHIJ")
    assert_on_page(pdf)
    scores = columns("3fr", 1.3, "1fr", "1fr", "1fr", 1.5)
    assert_in_cells(pdf, "甲", [scores[2], members[1]])
    assert "Ab1Ab1" in pdf_text(pdf)

    assignment = Assignment.objects.get(application=reviewed, expert=e1)
    pdf = document_sheets.render_sheet_pdf(expert_sheets.score_sheet(assignment), code="ABCDEFGHIJ")
    assert_on_page(pdf)
    assert pdf_text(pdf).count("Ab1") >= 1000


def _get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def test_city_prints_the_formal_review_sheet_and_the_code_verifies(client, w, received):
    response = _get(client, w["users"]["city"], "review:formal_review_sheet", received.pk, "pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    record = VerificationCode.objects.get(application=received, document_title="形式审查表")
    assert record.code in pdf_text(response.content)
    page = client.get(reverse("documents:verify", args=[record.code]))
    assert page.status_code == 200 and "形式审查表" in page.content.decode()
    docx = _get(client, w["users"]["city"], "review:formal_review_sheet", received.pk, "docx")
    assert docx.status_code == 200 and "形式审查表" in docx_text(docx.content)
    assert _get(client, w["users"]["city"], "review:formal_review_sheet", received.pk, "xls").status_code == 404
    page = _get(client, w["users"]["city"], "review:formal_review", received.pk).content.decode()
    assert reverse("review:formal_review_sheet", args=[received.pk, "pdf"]) in page
    for other in (w["users"]["town_y"], w["users"]["ent_b"], w["experts"]["e1"]):
        assert _get(client, other, "review:formal_review_sheet", received.pk, "pdf").status_code == 403


def test_expert_sheets_respect_the_seal_and_ownership(client, w):
    application = testing.to_formal_passed(w, "a")
    assignments = expert_services.assign_experts(application=application, user=w["users"]["city"],
                                                 experts=[w["experts"][e] for e in ("e1", "e2", "e3")])
    build.submit_scores(assignments[0])
    own = _get(client, w["experts"]["e1"], "experts:score_sheet", assignments[0].pk, "pdf")
    assert own.status_code == 200 and "专家评分表" in pdf_text(own.content)
    assert _get(client, w["experts"]["e1"], "experts:score_sheet", assignments[1].pk, "pdf").status_code == 404
    assert _get(client, w["experts"]["e4"], "experts:score_sheet", assignments[0].pk, "pdf").status_code == 404
    city = w["users"]["city"]
    assert _get(client, city, "experts:score_sheet", assignments[0].pk, "pdf").status_code == 403  # sealed
    assert _get(client, city, "experts:panel_sheet", application.pk, "pdf").status_code == 403
    page = _get(client, city, "experts:review", application.pk).content.decode()
    assert reverse("experts:sign_in_sheet", args=[application.pk, "pdf"]) in page
    assert reverse("experts:panel_sheet", args=[application.pk, "pdf"]) not in page
    signin = _get(client, city, "experts:sign_in_sheet", application.pk, "docx")
    assert signin.status_code == 200 and "黄专家" in docx_text(signin.content)
    assert _get(client, w["experts"]["e1"], "experts:sign_in_sheet", application.pk, "pdf").status_code == 403
    for assignment in assignments[1:]:
        build.submit_scores(assignment)
    assert _get(client, city, "experts:score_sheet", assignments[1].pk, "pdf").status_code == 200
    panel = _get(client, city, "experts:panel_sheet", application.pk, "pdf")
    assert panel.status_code == 200 and "专家组意见表" in pdf_text(panel.content)
    assert reverse("experts:panel_sheet", args=[application.pk, "pdf"]) in \
        _get(client, city, "experts:review", application.pk).content.decode()


def test_onsite_sheet_for_the_city_and_the_inspectors_only(client, w, check):
    for user in (w["users"]["city"], w["experts"]["e4"]):
        response = _get(client, user, "onsite:check_sheet", check.pk, "pdf")
        assert response.status_code == 200 and "现场核查表" in pdf_text(response.content)
    assert reverse("onsite:check_sheet", args=[check.pk, "pdf"]) in \
        _get(client, w["users"]["city"], "onsite:check", check.pk).content.decode()
    assert _get(client, w["experts"]["e1"], "onsite:check_sheet", check.pk, "pdf").status_code == 404
    assert _get(client, w["users"]["ent_a"], "onsite:check_sheet", check.pk, "pdf").status_code == 403
