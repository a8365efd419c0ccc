"""The 推荐汇总表 and 推荐名单 as Excel, opened with openpyxl."""

import dataclasses
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tidu.documents import xlsx
from tidu.documents.dossier import SUMMARY_COLUMNS
from tidu.documents.sample import sample_dossier

HEADERS = [h for _, h, _ in SUMMARY_COLUMNS]


@pytest.fixture
def rows(policy):
    row = sample_dossier(policy).summary_row
    names = ["天门市丙公司", "天门市甲公司", "天门市乙公司", "天门市丁公司"]
    return [dataclasses.replace(row, enterprise_name=name, scenario_count=i + 3).numbered(i)
            for i, name in enumerate(names, start=1)]


def open_sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def test_title_header_and_rows_in_the_given_order(rows):
    sheet = open_sheet(xlsx.render_summary_xlsx(rows, title="天门市2026年度基础级智能工厂项目推荐汇总表",
                                                unit_name="竟陵街道办事处", date=dt.date(2026, 3, 1)))
    assert sheet["A1"].value == "天门市2026年度基础级智能工厂项目推荐汇总表"
    assert "竟陵街道办事处" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == HEADERS
    names = [sheet.cell(r, HEADERS.index("企业名称") + 1).value for r in range(4, 8)]
    assert names == ["天门市丙公司", "天门市甲公司", "天门市乙公司", "天门市丁公司"]
    assert [sheet.cell(r, 1).value for r in range(4, 8)] == [1, 2, 3, 4]
    assert sheet.max_row == 7


def test_numbers_stay_numbers_and_layout_is_editable(rows):
    sheet = open_sheet(xlsx.render_summary_xlsx(rows, title="汇总表"))
    for r in range(4, 8):
        assert isinstance(sheet.cell(r, 1).value, int)
        assert isinstance(sheet.cell(r, HEADERS.index("成熟度得分") + 1).value, float)
        assert isinstance(sheet.cell(r, HEADERS.index("场景数") + 1).value, int)
        assert isinstance(sheet.cell(r, HEADERS.index("AI场景数") + 1).value, int)
        assert isinstance(sheet.cell(r, HEADERS.index("统一社会信用代码") + 1).value, str)
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["D"].width >= 28
    # Streamed rows carry the same style as the first data row.
    for r in (4, 7):
        cell = sheet.cell(r, HEADERS.index("覆盖环节") + 1)
        assert cell.alignment.wrap_text and cell.border.left.style == "thin" and cell.font.name == "宋体"
    assert not sheet.protection.sheet


def test_special_characters_survive(rows):
    odd = dataclasses.replace(rows[0], enterprise_name='A&B <公司> "引号" \x07', recommendation="  前后空格  ")
    sheet = open_sheet(xlsx.render_summary_xlsx([rows[1], odd], title="t"))
    assert sheet.cell(5, HEADERS.index("企业名称") + 1).value == 'A&B <公司> "引号" '
    assert sheet.cell(5, HEADERS.index("推荐意见") + 1).value == "  前后空格  "


def test_empty_and_large_tables(rows):
    assert open_sheet(xlsx.render_summary_xlsx([], title="t")).max_row == 3
    many = [dataclasses.replace(rows[0], enterprise_name=f"企业{i}").numbered(i) for i in range(1, 501)]
    sheet = open_sheet(xlsx.render_summary_xlsx(many, title="t"))
    assert sheet.max_row == 503 and sheet.cell(503, 1).value == 500 and sheet.cell(503, 4).value == "企业500"


def test_recommendation_list_xlsx():
    entries = [{"enterprise_name": "天门市乙公司", "credit_code": "91429006MA49ABCD2Y", "tier_name": "基础级",
                "recommendation": "同意推荐"},
               {"enterprise_name": "天门市甲公司", "credit_code": "91429006MA49ABCD1X", "tier_name": "基础级",
                "recommendation": "同意推荐"}]
    sheet = open_sheet(xlsx.render_recommendation_list_xlsx("竟陵街道办事处", dt.date(2026, 2, 28), entries))
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = [str(v) for row in values for v in row if v is not None]
    assert "拟推荐基础级智能工厂名单" in flat and any("竟陵街道办事处" in v for v in flat)
    assert any("2026年2月28日" in v for v in flat)
    assert values[3][:5] == ["序号", "企业名称", "统一社会信用代码", "申报等级", "推荐意见"]
    assert values[4][:2] == [1, "天门市乙公司"] and values[5][:2] == [2, "天门市甲公司"]
    for label in ("经办人（签字）：", "负责人（签字）：", "单位（盖章）："):
        assert label in flat


def test_builtin_summary_template_round_trips(rows):
    from tidu.documents.placeholders import check_xlsx_template

    template = xlsx.builtin_summary_template()
    assert check_xlsx_template(template).ok
    sheet = open_sheet(xlsx.render_summary_xlsx(rows, title="某某汇总表", unit_name="竟陵街道办事处", template=template))
    assert sheet["A1"].value == "某某汇总表"
    assert [sheet.cell(r, 4).value for r in range(4, 8)] == [r.enterprise_name for r in rows]
    assert isinstance(sheet.cell(4, 1).value, int) and isinstance(sheet.cell(4, 10).value, float)
    assert sheet.cell(9, 1).value == "注：按推荐优先顺序排列。"


@pytest.mark.django_db
def test_enterprise_row_download(client, submitted_a, users):
    client.force_login(users["a"])
    response = client.get(reverse("documents:summary_row_xlsx", args=[submitted_a.pk]))
    assert response.status_code == 200
    sheet = open_sheet(b"".join(response.streaming_content))
    assert [c.value for c in sheet[3]] == HEADERS
    row = [c.value for c in sheet[4]]
    assert row[0] == 1 and row[3] == "天门市华楚精密机械有限公司" and row[4] == "91429006MA49ABCD1X"
    assert sheet.max_row == 4
