"""PDF 申报书, 汇总表 and 推荐名单 through Typst, opened with pypdf."""

import dataclasses
import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tidu.core import fonts
from tidu.documents import pdf, typst_engine
from tidu.documents.dossier import build_dossier
from tidu.documents.sample import sample_dossier
from tidu.documents.tests.conftest import embedded_font_files, outline_titles, pdf_text, save_section
from tidu.documents.typst_engine import CjkFontMissing

pytestmark = pytest.mark.django_db


@pytest.fixture
def application_pdf(submitted_a):
    return pdf.render_application_pdf(build_dossier(submitted_a))


def test_chinese_text_is_extractable(application_pdf, submitted_a):
    pages = pdf_text(application_pdf)
    text = "".join(pages)
    assert "基础级智能工厂申报书" in pages[0]
    assert "天门市华楚精密机械有限公司" in pages[0]
    assert "91429006MA49ABCD1X" in text
    assert "阀体关键尺寸在线视觉检测，自动剔除不合格品。" in text
    assert "79.31%" in text
    assert submitted_a.submissions.get().number in pages[0]


def test_the_cjk_font_is_embedded(application_pdf):
    assert embedded_font_files(application_pdf) & {"/FontFile2", "/FontFile3"}


def test_every_page_has_its_number_of_the_total(application_pdf):
    pages = pdf_text(application_pdf)
    total = len(pages)
    assert total >= 5
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页共{total}页" in text


def test_outline_lists_every_section(application_pdf):
    titles = outline_titles(application_pdf)
    for expected in ("一、申报单位基本信息", "二、申报条件符合情况", "五、场景建设情况", "七、关键绩效指标",
                     "九、真实性承诺", "附：佐证材料索引"):
        assert expected in titles
    contents = pdf_text(application_pdf)[1]
    assert contents.startswith("目录") and "一、申报单位基本信息" in contents


def test_user_text_never_becomes_markup(submitted_a, users):
    submitted_a.status = "draft"
    submitted_a.save()
    scope = submitted_a.sections.get(key="scope").data
    hostile = '#set page(fill: red) $x^2$ [*粗体*] #import "x.typ" \\ <lbl> @ref // 注释 /* */ `code` = 标题'
    save_section(submitted_a, "scope", {**scope, "summary": hostile}, users["a"])
    text = "".join(pdf_text(pdf.render_application_pdf(build_dossier(submitted_a))))
    assert hostile.replace(" ", "") in text


def test_multiline_text_keeps_its_lines(policy):
    dossier = sample_dossier(policy)
    data = pdf.render_application_pdf(dossier)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "信息化。\n项目总投资" in text.replace(" ", "")


def test_summary_pdf_is_a_landscape_table_in_the_given_order(policy):
    row = sample_dossier(policy).summary_row
    rows = [dataclasses.replace(row, enterprise_name=f"天门市第{n}号机械有限公司").numbered(i)
            for i, n in enumerate((3, 1, 2), start=1)]
    data = pdf.render_summary_pdf(rows, title="天门市2026年度基础级智能工厂项目推荐汇总表", unit_name="竟陵街道办事处",
                                  date=dt.date(2026, 3, 1))
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert box.width > box.height
    text = "".join(pdf_text(data))
    assert "推荐汇总表" in text and "统一社会信用代码" in text and "AI场景数" in text
    assert text.index("第3号") < text.index("第1号") < text.index("第2号")


def test_recommendation_list_pdf(policy):
    entries = [{"enterprise_name": "天门市甲公司", "credit_code": "91429006MA49ABCD1X", "tier_name": "基础级",
                "recommendation": "同意推荐"},
               {"enterprise_name": "天门市乙公司", "credit_code": "91429006MA49ABCD2Y", "tier_name": "基础级",
                "recommendation": "同意推荐，优先"}]
    data = pdf.render_recommendation_list_pdf("竟陵街道办事处", dt.date(2026, 2, 28), entries)
    text = "".join(pdf_text(data))
    for expected in ("拟推荐基础级智能工厂名单", "竟陵街道办事处", "2026年2月28日", "经办人", "负责人", "单位（盖章）",
                     "日期"):
        assert expected in text
    assert text.index("天门市甲公司") < text.index("天门市乙公司")
    assert embedded_font_files(data)


@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda explicit="": None)


def test_without_a_cjk_font_rendering_raises_a_chinese_error(policy, no_cjk_font):
    with pytest.raises(CjkFontMissing) as caught:
        pdf.render_application_pdf(sample_dossier(policy))
    assert "未找到中文字体" in caught.value.message and "fonts-noto-cjk" in caught.value.message


def test_without_a_cjk_font_the_view_shows_the_message(client, submitted_a, users, no_cjk_font):
    client.force_login(users["a"])
    for name in ("documents:application_pdf", "documents:summary_row_pdf"):
        response = client.get(reverse(name, args=[submitted_a.pk]))
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert "未找到中文字体" in response.content.decode()
    response = client.post(reverse("documents:bound_start", args=[submitted_a.pk]))
    assert response.status_code == 503 and "未找到中文字体" in response.content.decode()


def test_fonts_are_loaded_once(policy):
    first = typst_engine.font_setup()
    assert typst_engine.font_setup() is first
    assert first.body[0] and first.heading[0]


def test_a_part_the_worker_process_cannot_set_is_a_clear_error_not_a_hang():
    from tidu.documents.typst_engine import DocumentError, compile_pdf_parts

    parts = compile_pdf_parts("summary.typ", [{"title": "推荐汇总表"}])  # no columns, no rows: a template error
    with pytest.raises(DocumentError, match="PDF 排版失败"):
        next(parts)
