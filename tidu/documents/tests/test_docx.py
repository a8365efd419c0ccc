"""The Word 申报书 from the built-in template, opened with python-docx."""

import io
import re
import zipfile

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn
from docx.shared import Cm

from tidu.documents import placeholders
from tidu.documents.docx import BUILTIN_TEMPLATE, build_builtin_template, render_application_docx
from tidu.documents.dossier import build_dossier
from tidu.documents.sample import sample_dossier, sample_raw_sections
from tidu.documents.tests.conftest import save_section

pytestmark = pytest.mark.django_db


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def document(submitted_a):
    return docx.Document(io.BytesIO(render_application_docx(build_dossier(submitted_a))))


def test_contains_the_application(document, submitted_a):
    text = all_text(document)
    assert "基础级智能工厂申报书" in text
    assert "天门市华楚精密机械有限公司" in text
    assert "91429006MA49ABCD1X" in text
    assert "阀体关键尺寸在线视觉检测，自动剔除不合格品。" in text
    assert "关键机加设备加装数据采集终端，实时监控设备状态与稼动率。" in text
    assert "79.31%" in text and "54.17%" in text and "25.83%" in text
    assert submitted_a.submissions.get().number in text
    assert "{{" not in text and "{%" not in text


def test_headings_use_heading_styles(document):
    headings = {p.text: p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert headings["一、申报单位基本信息"] == "Heading 1"
    assert headings["九、真实性承诺"] == "Heading 1"
    assert any(name == "Heading 2" and text.endswith("生产作业") for text, name in headings.items())
    assert headings["SC24 在线智能检测（质量管控）"] == "Heading 3"


def test_fonts_page_size_and_east_asian_font(document):
    normal = document.styles["Normal"]
    assert normal.font.name == "仿宋"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    heading = document.styles["Heading 1"]
    assert heading.font.name == "黑体"
    assert heading.element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)


def test_footer_has_page_and_numpages_fields(document):
    footer = document.sections[0].footer.paragraphs[0]
    instructions = [node.text.strip() for node in footer._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith("第 ") and "页 共" in footer.text


def test_has_a_toc_field_and_word_asks_nothing_on_open(submitted_a):
    data = render_application_docx(build_dossier(submitted_a))
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'TOC \\o "1-2"' in body
    settings_xml = zipfile.ZipFile(io.BytesIO(data)).read("word/settings.xml").decode()
    assert "updateFields" not in settings_xml  # Word would ask "update the fields?" on every opening


def test_core_properties_describe_this_application(submitted_a):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    data = render_application_docx(build_dossier(submitted_a))
    document = docx.Document(io.BytesIO(data))
    props = document.core_properties
    assert props.title == "基础级智能工厂申报书 天门市华楚精密机械有限公司"
    assert "内置模板" not in props.title
    assert props.author == "天门市华楚精密机械有限公司"
    assert props.created.replace(tzinfo=None) >= before - dt.timedelta(minutes=1)
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert "python-docx" not in core
    # A submitted 申报书 has no stray status line on its cover; 承诺时间 reads like the other dates.
    cover_text = "\n".join(p.text for p in document.paragraphs[:20])
    assert "已提交" not in cover_text
    text = all_text(document)
    assert re.search(r"承诺时间：\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", text)


def test_bidi_controls_never_reach_word(policy):
    # Saving refuses control characters already; the document is safe even for data that predates that rule.
    raw = sample_raw_sections()
    raw["scope"]["summary"] = "ABC\u202eDEF\u202c 😀"
    text = all_text(docx.Document(io.BytesIO(render_application_docx(sample_dossier(policy, raw=raw)))))
    assert "ABCDEF 😀" in text and "\u202e" not in text  # Word has emoji fonts: the emoji stays


def test_user_text_is_escaped_not_interpreted(submitted_a, users):
    submitted_a.status = "draft"
    submitted_a.save()
    scope = submitted_a.sections.get(key="scope").data
    hostile = "A&B <w:p> {{ credit_code }} {% if x %} ]]> 第一行\n第二行"
    save_section(submitted_a, "scope", {**scope, "summary": hostile}, users["a"])
    document = docx.Document(io.BytesIO(render_application_docx(build_dossier(submitted_a))))
    text = all_text(document)
    assert "A&B <w:p> {{ credit_code }} {% if x %} ]]> 第一行\n第二行" in text


def test_tables_hold_equipment_and_kpis(policy):
    document = docx.Document(io.BytesIO(render_application_docx(sample_dossier(policy))))
    kpi_table = next(t for t in document.tables if t.rows[0].cells[0].text == "序号"
                     and t.rows[0].cells[1].text == "指标")
    assert len(kpi_table.rows) == 1 + 20
    assert kpi_table.rows[1].cells[3].text == "79.31%"
    equipment = next(t for t in document.tables if t.rows[0].cells[1].text == "名称")
    assert len(equipment.rows) == 1 + 10


def test_the_shipped_template_is_valid_and_reproducible(tmp_path):
    check = placeholders.check_docx_template(BUILTIN_TEMPLATE.read_bytes())
    assert check.ok, check.errors
    rebuilt = build_builtin_template(tmp_path / "application_form.docx")
    shipped = zipfile.ZipFile(BUILTIN_TEMPLATE).read("word/document.xml")
    assert zipfile.ZipFile(rebuilt).read("word/document.xml") == shipped


def test_download_view_serves_docx(client, submitted_a, users):
    client.force_login(users["a"])
    response = client.get(reverse("documents:application_docx", args=[submitted_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    assert "天门市华楚精密机械有限公司" in all_text(document)
