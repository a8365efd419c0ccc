"""One truth on every page: a call with two units and applications in different states, read back from every page
and export that names them — the city's intake list and dashboards, the township's dashboard and 推荐名单 (page and
export), the 汇总表 (XLSX and PDF) and the enterprise's own pages. They must agree on status, 系统判定 (the verdict
judged at submission), industry (as registered), 推荐意见 (the township's words on the signed list) and numbering
(the receipt number and the list's order).

- 竟陵街道 (X): A1 returned for 补正 by the township (not on any list); A2 and A3 recommended and on the sent list
  (A3 first, A2 second).
- 岳口镇 (Y): B1 on the sent list and received by the city; B2 submitted, awaiting the township.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tidu import testing as build
from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.dashboards import selectors as dashboards
from tidu.documents.dossier import SUMMARY_COLUMNS
from tidu.documents.models import DocumentJob
from tidu.enterprises import industries
from tidu.review import services as review_services
from tidu.review.models import RecommendationList

LIST_SENT_LABEL = "已报送推荐名单，待市经信局受理"
OPINIONS = {"A2": "A2：产线自动化改造成效明显，同意推荐。", "A3": "A3：排名第一，强烈推荐。",
            "B1": "B1：岳口镇同意推荐。"}
# Registered industries differ from the one typed in the form (C3484 for every filled application).
INDUSTRY = {"A1": "C3511", "A2": "C3311", "A3": "C2929", "B1": "C1713", "B2": "C3415"}


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call = build.load_call()
    city_org = build.city_bureau()
    x, y = build.unit("竟陵街道办事处"), build.unit("岳口镇人民政府", Organisation.Kind.TOWNSHIP)
    people = {"city": build.city_officer(organisation=city_org), "x": build.officer(x, "town_x"),
              "y": build.officer(y, "town_y")}
    apps: dict[str, Application] = {}
    for key, unit in (("A1", x), ("A2", x), ("A3", x), ("B1", y), ("B2", y)):
        enterprise = build.enterprise(unit, f"天门市一真{key}科技有限公司", industry=INDUSTRY[key])
        people[key] = build.enterprise_user(enterprise, f"ent_{key.lower()}")
        apps[key] = build.application(enterprise, call=call)
    build.drive_to(apps["A1"], State.RETURNED)
    for key in ("A2", "A3", "B1"):
        build.drive_to(apps[key], State.TOWNSHIP_RECOMMENDED)
    build.drive_to(apps["B2"], State.SUBMITTED)
    rlist_x = build.put_on_sent_list(apps["A2"], apps["A3"],
                                     opinions={apps[k].pk: OPINIONS[k] for k in ("A2", "A3")})
    # The township puts A3 first: reopen (city), reorder, sign and send again.
    now = call.township_deadline_before
    review_services.list_reopen(rlist=rlist_x, user=people["city"], reason="调整推荐顺序", now=now)
    entries = {e.application_id: e.pk for e in rlist_x.entries.all()}
    review_services.entries_update(rlist=rlist_x, order=[entries[apps["A3"].pk], entries[apps["A2"].pk]],
                                   opinions={}, user=people["x"], now=now)
    review_services.list_sign(rlist=rlist_x, user=people["x"], now=now)
    review_services.list_send(rlist=rlist_x, user=people["x"], now=now)
    build.put_on_sent_list(apps["B1"], opinions={apps["B1"].pk: OPINIONS["B1"]})
    build.transition(apps["B1"], "city_receive", "city")
    for application in apps.values():
        application.refresh_from_db()
    return {"call": call, "apps": apps, "people": people, "units": {"x": x, "y": y}}


def expected(application: Application) -> dict:
    submission = application.latest_submission()
    return {"status": application.status_label, "receipt": submission.number, "verdict": submission.outcome_label,
            "industry": application.enterprise.industry_code, "name": application.enterprise.name}


def rows_of(page: str, name: str) -> list[str]:
    """The table rows (their text, tags removed) that name ``name``, in page order."""
    return [html.unescape(re.sub(r"<[^>]+>", " ", r)) for r in re.findall(r"<tr\b.*?</tr>", page, flags=re.S)
            if name in r]


def row_of(page: str, name: str) -> str:
    """The one table row that names ``name``; fails when no row or several rows do."""
    rows = rows_of(page, name)
    assert len(rows) == 1, (name, len(rows))
    return rows[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def get(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_page_and_export_tells_the_same_story(client, world):
    apps, people, call = world["apps"], world["people"], world["call"]
    facts = {key: expected(application) for key, application in apps.items()}

    # The one label: a recommended application on a sent list says so; the others keep their state's label.
    assert {k: facts[k]["status"] for k in facts} == {
        "A1": "退回补正", "A2": LIST_SENT_LABEL, "A3": LIST_SENT_LABEL, "B1": "市经信局已受理，待形式审查",
        "B2": "已提交，待乡镇审核"}
    assert all(f["verdict"] for f in facts.values())

    # The city's intake list: status, stored verdict, registered industry and receipt number on each row.
    intake = get(client, people["city"], reverse("review:intake") + f"?call={call.code}")
    for key, fact in facts.items():
        row = rows_of(intake, fact["name"])[0]  # the applications table (lists are summaries linking to each)
        for value in (fact["status"], fact["verdict"], fact["industry"], fact["receipt"]):
            assert value in row, (key, value)
    # Each sent list is linked from intake; its page (as the city reads it) has the township's words and the label.
    listed = set()
    for rlist in RecommendationList.objects.filter(call=call, status=RecommendationList.Status.SENT):
        assert reverse("review:list_detail", args=[rlist.pk]) in intake
        list_page = get(client, people["city"], reverse("review:list_detail", args=[rlist.pk]))
        for key in OPINIONS:
            if facts[key]["name"] in list_page:
                row = row_of(list_page, facts[key]["name"])
                assert facts[key]["status"] in row and OPINIONS[key] in row, key
                listed.add(key)
    assert listed == set(OPINIONS)
    assert reverse("documents:summary_export", args=[call.pk]) in intake  # the 汇总表 is linked from intake

    # Each township's dashboard: its own applications only, the same status, verdict and receipt.
    for unit_key, keys in (("x", ("A1", "A2", "A3")), ("y", ("B1", "B2"))):
        dashboard = get(client, people[unit_key], reverse("review:township_dashboard") + f"?call={call.code}")
        for key in keys:
            row = row_of(dashboard, facts[key]["name"])
            for value in (facts[key]["status"], facts[key]["verdict"], facts[key]["receipt"], facts[key]["industry"]):
                assert value in row, (unit_key, key, value)
        others = [k for k in facts if k not in keys]
        assert not any(facts[k]["name"] in dashboard for k in others)
        assert "乡镇已推荐，待报送推荐名单" not in dashboard

    # The application page (township and city): the stored verdict, labelled as judged at submission.
    for key in facts:
        who = people["x"] if key.startswith("A") else people["y"]
        for user in (who, people["city"]):
            page = get(client, user, reverse("applications:review", args=[apps[key].pk]))
            stored = page[page.index("系统判定（提交时）"):]
            assert facts[key]["verdict"] in stored and facts[key]["receipt"] in stored
            assert facts[key]["status"] in page
    # Under 补正 the content may change: a re-judgement is shown, and labelled as one.
    assert "按今日重新判定" in get(client, people["x"], reverse("applications:review", args=[apps["A1"].pk]))
    assert "按今日重新判定" not in get(client, people["x"], reverse("applications:review", args=[apps["A2"].pk]))

    # The city's dashboards: the status funnel counts each application under its one label; industries as registered.
    overview = dashboards.overview(call)
    funnel = {row[0]: row[1] for row in overview.tables["funnel"].rows}
    for label in {f["status"] for f in facts.values()}:
        assert funnel[label] == sum(1 for f in facts.values() if f["status"] == label), label
    assert funnel["乡镇已推荐，待报送推荐名单"] == 0
    industry_rows = {row[1]: row[2] for row in overview.tables["industries"].rows}
    for fact in facts.values():
        division = dashboards._division(fact["industry"])[1]
        assert industry_rows[division] >= 1

    # The 推荐名单 page and its export: the township's words, its order, the receipts and the one label.
    rlist_x = RecommendationList.objects.get(call=call, unit=world["units"]["x"])
    list_page = get(client, people["x"], reverse("review:list_detail", args=[rlist_x.pk]))
    for key in ("A2", "A3"):
        row = row_of(list_page, facts[key]["name"])
        assert facts[key]["status"] in row and facts[key]["receipt"] in row and facts[key]["verdict"] in row
    assert reverse("documents:summary_export", args=[call.pk]) in list_page
    client.force_login(people["x"])
    sheet = load_workbook(io.BytesIO(body(client.get(
        reverse("review:list_export", args=[rlist_x.pk, "xlsx"]))))).worksheets[0]
    cells = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
    listed = [row for row in cells if any(facts[k]["name"] in c for k in ("A2", "A3") for c in row)]
    assert [next(k for k in ("A2", "A3") if facts[k]["name"] in " ".join(r)) for r in listed] == ["A3", "A2"]
    for key, row in zip(("A3", "A2"), listed, strict=True):
        assert OPINIONS[key] in row

    # The 汇总表 (city): only the applications on a sent list, from the record, XLSX and PDF alike.
    client.force_login(people["city"])
    export_page = client.get(reverse("documents:summary_export", args=[call.pk])).content.decode()
    for key in ("A1", "B2"):
        assert facts[key]["name"] not in export_page
    for key in ("A2", "A3", "B1"):
        assert facts[key]["receipt"] in row_of(export_page, facts[key]["name"])
    client.post(reverse("documents:summary_export", args=[call.pk]), {"format": "zip"})
    job = DocumentJob.objects.get()
    assert job.status == DocumentJob.Status.DONE, job.message
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(reverse("documents:job_download", args=[job.pk])))))
    workbook = load_workbook(io.BytesIO(archive.read(next(n for n in archive.namelist() if n.endswith(".xlsx")))))
    sheet = workbook.worksheets[0]
    headers = [h for _, h, _ in SUMMARY_COLUMNS]
    header_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "序号")
    assert [sheet.cell(header_row, c).value for c in range(1, len(headers) + 1)] == headers
    rows = []
    for r in range(header_row + 1, sheet.max_row + 1):
        values = dict(zip(headers, [sheet.cell(r, c).value for c in range(1, len(headers) + 1)], strict=True))
        if values["企业名称"]:
            rows.append(values)
    by_name = {row["企业名称"]: row for row in rows}
    assert set(by_name) == {facts[k]["name"] for k in ("A2", "A3", "B1")}
    assert [row["序号"] for row in rows] == list(range(1, len(rows) + 1))
    x_rows = [row["企业名称"] for row in rows if row["所属乡镇（单位）"] == "竟陵街道办事处"]
    assert x_rows == [facts["A3"]["name"], facts["A2"]["name"]]  # the signed list's order
    for key in ("A2", "A3", "B1"):
        row = by_name[facts[key]["name"]]
        assert row["申报编号"] == facts[key]["receipt"]
        assert row["推荐意见"] == OPINIONS[key]
        assert row["所属行业"] == industries.describe(facts[key]["industry"])
        assert row["统一社会信用代码"] == apps[key].enterprise.credit_code
    reader = PdfReader(io.BytesIO(archive.read(next(n for n in archive.namelist() if n.endswith(".pdf")))))
    text = re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))
    for key in ("A2", "A3", "B1"):
        for value in (facts[key]["name"], facts[key]["receipt"], OPINIONS[key].replace(" ", "")):
            assert value in text, (key, value)
    assert facts["A1"]["name"] not in text and facts["B2"]["name"] not in text
    assert text.index(facts["A3"]["name"]) < text.index(facts["A2"]["name"])

    # The enterprise's own pages: the same status, receipt and verdict.
    for key, fact in facts.items():
        user = people[key]
        home = get(client, user, reverse("applications:home"))
        assert fact["status"] in row_of(home, fact["receipt"])
        status = get(client, user, reverse("applications:status", args=[apps[key].pk]))
        assert fact["status"] in status and fact["verdict"] in row_of(status, fact["receipt"])
        receipt = get(client, user, reverse("applications:receipt", args=[apps[key].pk, fact["receipt"]]))
        assert fact["verdict"] in receipt and fact["status"] in receipt
    assert "乡镇已报送推荐名单，等待市经信局受理" in get(client, people["A2"],
                                                   reverse("applications:status", args=[apps["A2"].pk]))


def test_the_stored_verdict_is_the_one_judged_at_submission(world):
    """A returned application judged again today would fail 申报时间 (the window has closed): the stored verdict,
    judged when it was submitted inside the window, is what every list shows."""
    a1 = world["apps"]["A1"]
    submission = a1.latest_submission()
    assert submission.judged_at == submission.submitted_at
    assert submission.policy_version and submission.outcome == submission.verdict["outcome"]
    assert "申报时间" not in submission.failing_clauses
    # Judged again today (the window has closed), the returned application still meets 申报时间: a resubmission
    # within its 补正期限 continues the first submission, so the re-judgement and the stored verdict agree there.
    today = application_services.application_verdict(a1)
    assert "申报时间" not in [f.clause for f in today.findings if f.result == "fail"]
    assert User.objects.filter(role=User.Role.CITY).exists()


def test_lists_and_dashboards_read_the_stored_verdict_and_never_judge(client, world, monkeypatch):
    """Intake, the township dashboard, the 推荐名单, the dashboards and a submitted application's page read the
    verdict stored at submission: the engine is not run for any of them (one query, not one judgement per row)."""
    def judging(*args, **kwargs):
        raise AssertionError("re-judged on a page that must read the stored verdict")

    monkeypatch.setattr("tidu.applications.content.evaluate", judging)
    apps, people, call = world["apps"], world["people"], world["call"]
    get(client, people["city"], reverse("review:intake") + f"?call={call.code}&findings=eligible")
    get(client, people["x"], reverse("review:township_dashboard") + f"?call={call.code}")
    rlist_x = RecommendationList.objects.get(call=call, unit=world["units"]["x"])
    get(client, people["x"], reverse("review:list_detail", args=[rlist_x.pk]))
    get(client, people["city"], reverse("dashboards:overview") + f"?call={call.code}")
    for key in ("A2", "B1"):
        get(client, people["city"], reverse("applications:review", args=[apps[key].pk]))
        get(client, people[key], reverse("applications:status", args=[apps[key].pk]))
    # (Under 补正 the page does judge the current content again, labelled 按今日重新判定: the patch is effective.)
    client.force_login(people["x"])
    with pytest.raises(AssertionError, match="re-judged"):
        client.get(reverse("applications:review", args=[apps["A1"].pk]))
