"""The 汇总表 XLSX is written as its rows arrive: the renderer takes them from a generator one at a time and does not
keep the ones it has written, so a city-wide export does not hold every row in memory."""

from __future__ import annotations

import io
import weakref

from openpyxl import load_workbook

from tidu.documents.dossier import SummaryRow
from tidu.documents.xlsx import write_summary_xlsx

COUNT = 3000


def _row(n: int) -> SummaryRow:
    return SummaryRow(county="天门市", unit_name=f"第{n % 20:02d}乡镇", enterprise_name=f"天门市华楚精密机械有限公司（{n}）",
                      credit_code=f"91429006MB49{n:06d}", factory_name="精密机械智能工厂", industry="C34 通用设备制造业",
                      tier_name="基础级", maturity_level="二级", maturity_score=2.35, covered_links="生产作业；质量管控",
                      scenario_count=6, ai_scenario_count=1, contact_name="张工", contact_phone="13800000000",
                      recommendation="推荐", receipt_number=f"R-{n}", order=n)


def test_the_renderer_takes_rows_one_at_a_time_and_lets_the_written_ones_go():
    written = []  # weak references to every row handed over
    out = io.BytesIO()
    held_at_once = []

    def rows():
        for n in range(1, COUNT + 1):
            row = _row(n)
            written.append(weakref.ref(row))
            held_at_once.append(sum(ref() is not None for ref in written[-200:]))
            yield row
            del row

    write_summary_xlsx(rows(), out, title="天门市基础级智能工厂推荐汇总表", unit_name="天门市经信局")

    # While the 3,000th row was handed over, the rows written before it were already gone (the renderer keeps the
    # first, the style model, and the one in hand; never a list of them).
    assert max(held_at_once) <= 3
    assert sum(ref() is not None for ref in written) == 0
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert sheet.max_row == 3 + COUNT
    assert sheet.cell(4, 4).value == "天门市华楚精密机械有限公司（1）"
    assert sheet.cell(3 + COUNT, 4).value == f"天门市华楚精密机械有限公司（{COUNT}）"
    assert sheet.cell(3 + COUNT, 1).value == COUNT  # numbers stay numbers


def test_the_file_grows_while_the_rows_are_still_coming():
    out = io.BytesIO()
    sizes = []

    def rows():
        for n in range(1, COUNT + 1):
            if n in (1, COUNT):
                sizes.append(out.tell())
            yield _row(n)

    write_summary_xlsx(rows(), out, title="天门市基础级智能工厂推荐汇总表")
    first, last = sizes
    assert last > first  # compressed sheet data reached the file before the last row was made


def test_no_rows_still_makes_a_workbook_with_its_header():
    out = io.BytesIO()
    write_summary_xlsx(iter(()), out, title="天门市基础级智能工厂推荐汇总表")
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert sheet.cell(1, 1).value == "天门市基础级智能工厂推荐汇总表"
    assert sheet.max_row == 3
