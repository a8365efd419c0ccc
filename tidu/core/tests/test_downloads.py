"""Downloads: Excel-friendly CSV and a Content-Disposition that carries a Chinese file name intact."""

import csv
import io
from urllib.parse import unquote

from tidu.core.downloads import CSV_CONTENT_TYPE, attachment, csv_bytes


def test_csv_has_a_bom_crlf_and_round_trips_chinese():
    data = csv_bytes(["企业名称", "得分"], [["华楚精密，机械", 91.5], ['含"引号"', 80]])
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["企业名称", "得分"], ["华楚精密，机械", "91.5"], ['含"引号"', "80"]]


def test_attachment_round_trips_a_chinese_filename():
    response = attachment(b"x", "天门市2026年度认定名单.csv", CSV_CONTENT_TYPE)
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert unquote(header.split("''", 1)[1]) == "天门市2026年度认定名单.csv"
    assert response["Content-Type"] == "text/csv; charset=utf-8" and response.content == b"x"


def test_attachment_with_an_ascii_filename_is_plain_and_quoted():
    response = attachment(b"x", 'summary "template".xlsx', "application/octet-stream")
    assert response["Content-Disposition"] == 'attachment; filename="summary \\"template\\".xlsx"'


def test_header_cannot_be_split_by_a_newline_in_the_name():
    response = attachment(b"x", "名单\r\nSet-Cookie: a=b.csv", CSV_CONTENT_TYPE)
    assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
