"""The city's dashboard: numbers equal hand counts (see conftest), SVG is well-formed, queries are bounded."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tidu.applications.workflow import STATE_LABELS, State
from tidu.dashboards import selectors
from tidu.dashboards.tests.conftest import make_application

S = State


def table(data, key):
    return {row[0] if key != "scenarios" else row[1]: row[1:] if key != "scenarios" else row[2:]
            for row in data.tables[key].rows}


def test_every_state_is_in_the_funnel():
    assert set(selectors.MAIN_PIPELINE) | set(selectors.SIDE_STATES) == set(STATE_LABELS)


def test_funnel_counts(call, applications):
    data = selectors.overview(call)
    assert (data.total, data.counted, data.recognised) == (6, 4, 1)
    rows = table(data, "funnel")
    current_and_reached = {state: rows[STATE_LABELS[state]] for state in STATE_LABELS}
    assert current_and_reached == {
        S.DRAFT: [1, 6], S.SUBMITTED: [1, 5], S.TOWNSHIP_RECOMMENDED: [0, 3], S.RECEIVED: [0, 3],
        S.FORMAL_PASSED: [0, 3], S.EXPERT_REVIEW: [0, 3], S.EXPERT_REVIEWED: [0, 3], S.ONSITE_VERIFIED: [1, 3],
        S.PROPOSED: [0, 2], S.RECOGNISED: [1, 1], S.RETURNED: [0, 1], S.TOWNSHIP_NOT_RECOMMENDED: [0, 0],
        S.FORMAL_FAILED: [0, 0], S.NOT_RECOGNISED: [1, 1], S.WITHDRAWN: [1, 1]}
    assert [row[0] for row in data.tables["funnel"].rows][:3] == ["草稿", "已提交，待乡镇审核", "乡镇已推荐，待报送推荐名单"]


def test_unit_and_industry_counts(call, applications):
    data = selectors.overview(call)
    assert table(data, "units") == {"竟陵街道办事处": [2, 1], "岳口镇": [2, 0], "多宝镇": [0, 0]}
    assert data.tables["industries"].rows == [["C 制造业", "C17 纺织业", 2], ["C 制造业", "C34 通用设备制造业", 2]]


def test_scenario_heatmap_counts(call, applications):
    data = selectors.overview(call)
    assert data.tables["scenarios"].headers == ["建设领域", "环节", "岳口镇", "竟陵街道办事处", "合计"]
    rows = table(data, "scenarios")
    assert len(rows) == 15
    assert rows["质量管控"] == [0, 2, 2]
    assert rows["设备管理"] == [0, 1, 1]
    assert rows["计划调度"] == [1, 1, 2]
    assert rows["工厂建设"] == [1, 0, 1]
    assert rows["供应链管理"] == [0, 0, 0], "the withdrawn application is not counted"
    assert sum(r[-1] for r in rows.values()) == 6
    domains = [row[0] for row in data.tables["scenarios"].rows]
    assert domains[0] == "工厂建设" and domains[-1] == "运营管理"


def test_maturity_counts(call, applications):
    data = selectors.overview(call)
    assert [(row[0], row[2]) for row in data.tables["maturity"].rows] == [
        ("一级", 1), ("二级", 2), ("三级", 1), ("四级", 0), ("五级", 0), ("未填写", 0)]


def test_kpi_distributions_by_industry_hide_groups_below_five(call, applications):
    data = selectors.overview(call)
    assert data.tables["kpis"].headers[4:] == ["下四分位数", "中位数", "上四分位数"]
    assert data.tables["kpis"].rows == [
        ["K01 关键设备数控化率", "%", "C17 纺织业", 1, "样本不足5家，不予显示", "", ""],
        ["K01 关键设备数控化率", "%", "C34 通用设备制造业", 2, "样本不足5家，不予显示", "", ""],
        ["K09 产品不良率下降", "%", "C34 通用设备制造业", 1, "样本不足5家，不予显示", "", ""],
    ]
    assert [chart.key for chart in data.kpi_charts] == ["kpi-K01", "kpi-K09"]


def _page(client, users):
    client.force_login(users["city"])
    selectors._OVERVIEWS.clear()
    return client.get(reverse("dashboards:overview")).content.decode()


def test_kpi_chart_obeys_k_anonymity_four_versus_five_enterprises(client, call, units, users):
    """Four enterprises of a 大类: nothing about them but their number. The fifth: quartiles and the median,
    still never one enterprise's value (no minimum, no maximum, no point per application)."""
    parts = [11, 23, 37, 41, 59]  # K01 = part/100 → 11 %, 23 %, 37 %, 41 %, 59 %
    for part in parts[:4]:
        make_application(call, units["y"], "C2929", S.SUBMITTED, path=[S.SUBMITTED],
                         kpis={"K01": {"part": part, "whole": 100}}, actor=users["city"])
    page = _page(client, users)
    chart = re.search(r'<svg [^>]*id="chart-kpi-K01".*?</svg>', page, re.S).group(0)
    assert "样本不足5家，不予显示（4）" in chart and "<circle" not in chart and "<rect" not in chart
    for part in parts[:4]:
        assert f"{part}%" not in chart and f">{part}<" not in page
    assert "最小值" not in page and "最大值" not in page

    make_application(call, units["y"], "C2929", S.SUBMITTED, path=[S.SUBMITTED],
                     kpis={"K01": {"part": parts[4], "whole": 100}}, actor=users["city"])
    row = selectors.overview(call).tables["kpis"].rows[0]
    assert row == ["K01 关键设备数控化率", "%", "C29 橡胶和塑料制品业", 5, "23", "37", "41"]
    page = _page(client, users)
    chart = re.search(r'<svg [^>]*id="chart-kpi-K01".*?</svg>', page, re.S).group(0)
    assert "<circle" not in chart and "<rect" in chart and "样本不足" not in chart
    assert "11%" not in chart and "59%" not in chart and ">11<" not in page and ">59<" not in page


def test_the_page_shows_every_chart_with_its_table(client, call, applications, users):
    client.force_login(users["city"])
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    page = response.content.decode()
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 5 + 2  # funnel, units, industries, heatmap, maturity + one per KPI with values
    parsed = [ET.fromstring(markup) for markup in svgs]
    all_text = [" ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")) for root in parsed]
    assert "现场核查完成" in all_text[0] and "岳口镇" in all_text[1] and "C17 纺织业" in all_text[2]
    assert "质量管控" in all_text[3] and "生产作业" in all_text[3] and "竟陵街道办事处" in all_text[3]
    assert "二级" in all_text[4] and "C34 通用设备制造业" in all_text[5]
    assert '<th scope="row">竟陵街道办事处</th><td class="num">2</td><td class="num">1</td>' in page
    assert page.count("下载此表（CSV）") == 7
    assert "<script" not in page.split("<main")[1], "no JavaScript on the dashboard"


@pytest.mark.parametrize("key", ["funnel", "units", "industries", "scenarios", "maturity", "kpis", "kpi-K01"])
def test_csv_download_equals_the_table(client, call, applications, users, key):
    client.force_login(users["city"])
    response = client.get(reverse("dashboards:table_csv"), {"call": call.code, "table": key})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = selectors.overview(call).tables[key]
    assert rows[0] == expected.headers
    assert rows[1:] == [[str(cell) for cell in row] for row in expected.rows]


def test_unknown_table_or_call_is_404(client, call, applications, users):
    client.force_login(users["city"])
    assert client.get(reverse("dashboards:table_csv"), {"call": call.code, "table": "nope"}).status_code == 404
    assert client.get(reverse("dashboards:overview"), {"call": "nope"}).status_code == 404


def test_queries_do_not_grow_with_applications(client, call, applications, users, units,
                                               django_assert_max_num_queries):
    client.force_login(users["city"])
    url = reverse("dashboards:overview")
    client.get(url)  # warm caches (sessions, content types)
    selectors._OVERVIEWS.clear()  # measure a recomputation: the figures are kept until the call's data changes
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as unchanged:
        assert client.get(url).status_code == 200
    assert len(unchanged.captured_queries) < len(few.captured_queries)  # nothing changed: nothing recomputed
    for index in range(12):
        make_application(call, units["z" if index % 2 else "y"], "C2929", S.RECOGNISED, path=[S.SUBMITTED],
                         maturity=1 + index % 5, scenarios=["SC01", "SC24"], kpis={"K01": {"part": index, "whole": 12}},
                         actor=users["city"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert selectors.overview(call).total == 18  # the new applications are counted: a change recomputes
    assert len(few.captured_queries) <= 16


def test_empty_call_renders(client, call, users):
    client.force_login(users["city"])
    page = client.get(reverse("dashboards:overview")).content.decode()
    assert "暂无数据" in page and "尚无可统计的指标值" in page


@pytest.mark.parametrize("role", ["township", "expert"])
def test_other_roles_are_refused(client, call, users, role):
    client.force_login(users[role])
    assert client.get(reverse("dashboards:overview")).status_code == 403
    assert client.get(reverse("dashboards:table_csv"), {"table": "units"}).status_code == 403


def test_enterprise_users_are_refused(client, call, applications):
    from tidu.accounts.models import User

    user = User.objects.create_user("ent", password="x", role=User.Role.ENTERPRISE,
                                    organisation=applications[0].enterprise.organisation)
    client.force_login(user)
    assert client.get(reverse("dashboards:overview")).status_code == 403


def test_anonymous_visitors_go_to_login(client, call):
    for url in (reverse("dashboards:overview"), reverse("dashboards:table_csv")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_admin_does_not_see_the_dashboard(client, call, users):
    """系统管理员 is not a business role (separation of duties): the figures are the city's."""
    client.force_login(users["admin"])
    assert client.get(reverse("dashboards:overview")).status_code == 403
    assert client.get(reverse("dashboards:table_csv")).status_code == 403


def test_an_action_in_one_call_does_not_recompute_another_calls_figures(call, applications, users, units):
    from tidu.core.models import AuditEntry
    from tidu.core.operations import AuditRecord, write_audit
    from tidu.policy.models import Call

    other = Call.objects.get(pk=call.pk)
    other.pk, other.code, other.title = None, "other-call", "另一批次"
    other.save()
    other.pinned_packs.set(call.pinned_packs.all())
    make_application(other, units["x"], "C3484", S.SUBMITTED, path=[S.SUBMITTED], maturity=2, actor=users["city"])
    selectors._OVERVIEWS.clear()
    first_a, first_b = selectors.overview(call), selectors.overview(other)
    assert (first_a.total, first_b.total) == (6, 1)
    # an action on an application of call A (a transition's or a section save's audit row, with its application)
    write_audit(users["city"], AuditRecord(object_type="application", object_id=applications[2].pk,
                                           application_id=applications[2].pk, action="x", to_status=S.RETURNED))
    assert selectors.overview(other) is first_b  # call B's figures are kept
    assert selectors.overview(call) is not first_a  # call A's are recomputed
    # a change every call depends on (an enterprise's registration) recomputes both
    kept_a, kept_b = selectors.overview(call), selectors.overview(other)
    write_audit(users["city"], AuditRecord(object_type="enterprise", object_id=applications[0].enterprise_id,
                                           action="enterprise.update"))
    assert selectors.overview(call) is not kept_a and selectors.overview(other) is not kept_b
    assert AuditEntry.objects.count() > 0
