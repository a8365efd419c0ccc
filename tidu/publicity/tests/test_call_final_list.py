"""One 认定名单 for the call across all 公示 batches: numbered once, public, in three formats."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tidu.publicity import services
from tidu.publicity.tests.conftest import AFTER, BEFORE, expected, make_publicity


def _urls(call):
    return {fmt: reverse(f"publicity:call_final_{fmt}", args=[call.code]) for fmt in ("csv", "xlsx", "pdf")}




@pytest.mark.django_db
def test_numbering_is_continuous_across_batches_in_every_format(client, world, two_batches):
    first, second = two_batches
    # each batch on its own still starts at 1
    assert [e["position"] for e in second.final_snapshot["entries"]] == [1]
    urls = _urls(world["call"])
    EXPECTED = expected(first, second)
    assert [name for _, name in EXPECTED][2] == "天门市恒力电气设备有限公司"  # the second batch comes last

    response = client.get(urls["csv"])  # anonymous: public like each batch's list
    assert response.status_code == 200
    assert "全部批次" in response["Content-Disposition"] or "%E5%85%A8%E9%83%A8" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "序号" and rows[0][-1] == "公示批次"
    assert [(r[0], r[1]) for r in rows[1:]] == EXPECTED
    assert rows[3][-1].endswith("（2026-04-20）") and rows[1][-1].endswith("（2026-04-10）")

    workbook = load_workbook(io.BytesIO(client.get(urls["xlsx"]).content))
    sheet = workbook.active
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [(str(r[0]), r[1]) for r in data] == EXPECTED
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    response = client.get(urls["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    positions = [text.index(name) for _, name in EXPECTED]
    assert positions == sorted(positions)
    assert "认定名单" in text


@pytest.mark.django_db
def test_no_list_before_any_batch_is_finalised(client, world, published):
    for url in _urls(world["call"]).values():
        assert client.get(url).status_code == 404
    assert client.get(reverse("publicity:call_final_csv", args=["no-such-call"])).status_code == 404


@pytest.mark.django_db
def test_public_page_links_the_call_list(client, world, two_batches):
    page = client.get(reverse("publicity:public_list")).content.decode()
    for url in _urls(world["call"]).values():
        assert url in page


@pytest.mark.django_db
def test_formula_like_names_stay_text(client, world, verified, city):
    enterprise = world["enterprises"]["a"]
    publicity = make_publicity(world["call"], city, [verified["a"]])
    services.publicity_publish(publicity=publicity, user=city, now=BEFORE)
    publicity.entries.update(enterprise_name='=HYPERLINK("http://x","点此")')
    services.publicity_finalise(publicity=publicity, user=city, now=AFTER)
    urls = _urls(world["call"])
    sheet = load_workbook(io.BytesIO(client.get(urls["xlsx"]).content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    rows = list(csv.reader(io.StringIO(client.get(urls["csv"]).content.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")
    assert enterprise.pk
