"""The intake list as XLSX/CSV: the page's rows in the page's order, with the page's filters, every page of them,
plus the panel's mean score and the latest 评审结论; text stays text; the city only."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tidu import testing as build
from tidu.decisions import exports, services
from tidu.decisions.models import ReviewConclusion
from tidu.experts import testing


@pytest.fixture
def two(w, city):
    a = testing.to_expert_reviewed(w, "a")
    services.conclusion_record(application=a, user=city, outcome=ReviewConclusion.Outcome.PASS,
                               reasons="专家组评分达到要求")
    b = testing.submit(w, "b")
    return a, b


def _page_names(client, query=""):
    response = client.get(reverse("review:intake") + query)
    assert response.status_code == 200
    return [row["application"].enterprise.name for row in response.context["rows"]], response.content.decode()


def _csv_rows(client, query=""):
    response = client.get(reverse("decisions:intake_csv") + query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(client, query=""):
    response = client.get(reverse("decisions:intake_xlsx") + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=exports.XLSX_FIRST_ROW)]


def test_the_export_has_the_pages_rows_in_its_order_with_score_and_conclusion(client, two, city):
    a, b = two
    client.force_login(city)
    names, page = _page_names(client)
    assert reverse("decisions:intake_xlsx") in page and reverse("decisions:intake_csv") in page
    rows = _csv_rows(client)
    assert rows[0][:5] == ["序号", "单位", "推荐顺序", "推荐名单状态", "企业"]
    name_at = rows[0].index("企业")
    assert [r[name_at] for r in rows[1:]] == names and len(names) == 2
    by_name = {r[name_at]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_name[a.enterprise.name]["评审结论"] == "通过"
    assert by_name[a.enterprise.name]["评审结论理由"] == "专家组评分达到要求"
    assert float(by_name[a.enterprise.name]["专家组平均分"]) > 0
    assert by_name[b.enterprise.name]["评审结论"] == "" and by_name[b.enterprise.name]["专家组平均分"] == ""
    assert by_name[a.enterprise.name]["状态"] == a.status_label
    xlsx = _xlsx_rows(client)
    assert [r[name_at] for r in xlsx] == names and [r[0] for r in xlsx] == [1, 2]


def test_the_filter_of_the_page_applies(client, two, w, city):
    a, b = two
    client.force_login(city)
    query = f"?unit={w['units']['y'].pk}"
    names, _page = _page_names(client, query)
    assert names == [b.enterprise.name]
    rows = _csv_rows(client, query)
    assert [r[rows[0].index("企业")] for r in rows[1:]] == names
    sheet_rows = _xlsx_rows(client, query)
    assert [r[4] for r in sheet_rows] == names


def test_queries_do_not_grow_with_rows(client, two, w, city):
    client.force_login(city)
    _csv_rows(client)  # the first request of a session reads what later ones keep
    with CaptureQueriesContext(connection) as two_rows:
        _csv_rows(client)
    for n in range(3):  # three more applications, from three more enterprises
        enterprise = build.enterprise(w["units"]["x"], f"天门市第{n}测试有限公司", credit_code=f"91429006MA49ABC{n}9X")
        user = build.enterprise_user(enterprise, f"ent_more_{n}", "填报员", email=None)
        build.submitted(build.application(enterprise, call=w["call"], user=user), user=user, key=f"more-{n}",
                        now=testing.IN_WINDOW)
    with CaptureQueriesContext(connection) as five_rows:
        rows = _csv_rows(client)
    assert len(rows) == 6
    assert len(five_rows) == len(two_rows)


def test_only_the_city_exports(client, w):
    for user in (w["users"]["town_x"], w["users"]["ent_a"], w["experts"]["e1"]):
        client.force_login(user)
        for name in ("decisions:intake_csv", "decisions:intake_xlsx"):
            assert client.get(reverse(name)).status_code in (403, 404)
    client.logout()
    assert client.get(reverse("decisions:intake_csv")).status_code == 302
