"""The city's intake: filters, pagination, the sent lists, and batch actions on the whole filtered set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tidu.applications import services as application_services
from tidu.applications.testing import complete_section_data, fill_complete_application
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.review import services, views
from tidu.review.models import BatchRun
from tidu.review.selectors import intake_applications, parse_intake_filters
from tidu.review.tests.conftest import IN_WINDOW, enterprise_user, login, make_enterprise, start
from tidu.review.tests.lifecycle import actor, drive_to, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)


def _new_application(call, unit, name, username, industry="C3484"):
    enterprise = make_enterprise(unit, name, industry=industry)
    enterprise_user(enterprise, username)
    return start(enterprise, enterprise.organisation.users.get(), call)


def _failing(application):
    """Complete, but not 规模以上 (申报条件3 and 基础要求1 fail): submitted all the same."""
    user = actor(application, "enterprise")
    fill_complete_application(application, user)
    basic = application.sections.get(key="basic")
    data = {**complete_section_data(application)["basic"], "above_designated_size": "no"}
    application_services.application_section_save(application=application, key="basic", data=data,
                                                  base_revision=basic.revision, user=user)
    return submit(application)


def _send_list(call, unit, officer, applications):
    rlist = services.list_for(call=call, unit=unit, user=officer)
    entries = services.entries_add(rlist=rlist, applications=applications, user=officer)
    services.entries_update(rlist=rlist, order=[e.pk for e in entries],
                            opinions={e.pk: "同意推荐" for e in entries}, user=officer)
    services.list_sign(rlist=rlist, user=officer)
    services.list_send(rlist=rlist, user=officer)
    return rlist


@pytest.fixture
def unit_y(call, orgs, users, app_b):
    """岳口镇: three applications on its sent list, one recommended but not listed, one only submitted."""
    apps = [app_b] + [_new_application(call, orgs["y"], f"天门市岳口第{n}机械有限公司", f"ent_b{n}")
                      for n in range(2, 6)]
    listed = [drive_to(app, State.TOWNSHIP_RECOMMENDED) for app in apps[:3]]
    drive_to(apps[3], State.TOWNSHIP_RECOMMENDED)
    drive_to(apps[4], State.SUBMITTED)
    _send_list(call, orgs["y"], users["y"], listed)
    return apps


def test_batch_on_a_filtered_set_larger_than_a_page(client, monkeypatch, call, orgs, users, unit_y, app_a):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)  # another unit: outside the filter, must stay untouched
    login(client, users["city"])
    page = client.get(reverse("review:intake"), {"unit": orgs["y"].pk}).content.decode()
    assert "共 5 件" in page and "第 1 / 3 页" in page
    assert f'name="unit" value="{orgs["y"].pk}"' in page  # the filter travels with the batch form
    assert 'value="city_receive"' in page
    response = client.post(reverse("review:batch"), {"unit": orgs["y"].pk, "call": call.code,
                                                     "action": "city_receive"})
    run = BatchRun.objects.get()
    assert response["Location"] == reverse("review:batch_result", args=[run.pk])
    assert (run.total, run.succeeded, run.failed) == (5, 3, 2)
    by_name = {row["enterprise"]: row for row in run.results}
    assert by_name[unit_y[3].enterprise.name]["message"] == "未列入所属单位的推荐名单，不能受理"
    assert "申报当前状态为“已提交，待乡镇审核”，不能“受理”" in by_name[unit_y[4].enterprise.name]["message"]
    for app in unit_y[:3]:
        app.refresh_from_db()
        assert app.status == State.RECEIVED
    app_a.refresh_from_db()
    assert app_a.status == State.TOWNSHIP_RECOMMENDED
    report = client.get(response["Location"]).content.decode()
    assert "成功 3" in report and "失败 2" in report and "已全部办理完毕" in report
    assert "第 1 / 3 页" in report  # the per-item results are paginated like the list they came from
    failures = client.get(response["Location"], {"show": "failed"}).content.decode()
    assert "未列入所属单位的推荐名单" in failures and "已受理" not in failures


def test_a_batch_reads_in_the_readers_language_with_the_tier_by_its_name(client, call, orgs, users, unit_y):
    login(client, users["city"])
    filters = {"unit": orgs["y"].pk, "call": call.code, "tier": "basic"}
    page = client.get(reverse("review:intake"), filters).content.decode()
    assert "等级：基础级" in page and "等级：basic" not in page  # the pack's name, not the code
    response = client.post(reverse("review:batch"), {**filters, "action": "city_receive"})
    run = BatchRun.objects.get()
    assert "单位：岳口镇" in run.filters_text and "等级：基础级" in run.filters_text  # recorded in Chinese

    client.cookies["django_language"] = "en"
    page = client.get(reverse("review:intake"), filters).content.decode()
    assert '<option value="city_receive">Intake' in page
    assert "Unit: 岳口镇" in page and "Tier: 基础级" in page and "单位：" not in page
    report = client.get(response["Location"]).content.decode()
    assert "Batch action results: Intake" in report
    assert "Filters: " in report and "Unit: 岳口镇" in report and "等级：" not in report
    # A record whose words are not what the filter says today (here: written by hand) is shown as recorded.
    BatchRun.objects.filter(pk=run.pk).update(filters_text="开放接口（令牌 7）：3 份申报")
    assert "开放接口（令牌 7）：3 份申报" in client.get(response["Location"]).content.decode()


def test_a_batch_needing_a_reason_is_refused_as_a_whole_without_one(client, call, orgs, users, unit_y):
    login(client, users["city"])
    response = client.post(reverse("review:batch"), {"call": call.code, "action": "formal_fail", "reason": ""})
    assert response.status_code == 400 and "须填写意见" in response.content.decode()
    assert not BatchRun.objects.exists()


def test_only_city_officers_run_batches(client, call, orgs, users, unit_y):
    for key in ("y", "a"):
        login(client, users[key])
        assert client.post(reverse("review:batch"), {"call": call.code, "action": "city_receive"}).status_code == 403
    login(client, users["admin"])  # 系统管理员 is not a business role: it neither sees nor acts
    assert client.get(reverse("review:intake")).status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.batch_run(applications=application_services.Application.objects.all(), action="city_receive",
                           user=users["admin"])


def test_filters(client, call, orgs, users, enterprises, app_a, app_a2):
    submit(app_a)
    textile = app_a2  # industry C1711
    _failing(textile)
    drafted = _new_application(call, orgs["x"], "天门市草稿企业有限公司", "ent_draft")
    login(client, users["city"])

    def listed(**params):
        filters, problems = services_filters(params)
        assert not problems, problems
        return {a.enterprise.name for a in services_select(users["city"], filters)}

    everyone = {app_a.enterprise.name, textile.enterprise.name}
    assert listed(call=call.code) == everyone  # drafts are never in intake
    assert drafted.enterprise.name not in listed()
    assert listed(industry="C17") == {textile.enterprise.name}
    assert listed(industry="C") == everyone
    assert listed(industry="C34") == {app_a.enterprise.name}
    assert listed(unit=str(orgs["y"].pk)) == set()
    assert listed(status=State.SUBMITTED) == everyone
    assert listed(tier="basic") == everyone
    assert listed(findings="has_fail") == {textile.enterprise.name}
    assert listed(findings="eligible") == {app_a.enterprise.name}
    assert listed(findings="not_eligible") == {textile.enterprise.name}
    assert listed(findings="has_review") == set()
    page = client.get(reverse("review:intake"), {"industry": "Z99", "findings": "bogus"}).content.decode()
    assert "已忽略" in page and "共 2 件" in page
    page = client.get(reverse("review:intake"), {"findings": "has_fail"}).content.decode()
    assert textile.enterprise.name in page and app_a.enterprise.name not in page and "✗" in page


def services_filters(params):
    return parse_intake_filters(params)


def services_select(user, filters):
    return intake_applications(user, filters)


def test_intake_shows_each_list_as_a_summary_linking_to_its_entries(client, call, orgs, users, unit_y):
    login(client, users["city"])
    page = client.get(reverse("review:intake")).content.decode()
    rlist = unit_y[0].recommendation_entry.recommendation_list
    assert "已报送市经信局" in page and "竟陵街道办事处" in page and "未建立" in page  # a unit without a list
    summary = page[page.index('id="lists"'):]
    assert "同意推荐" not in summary and "<td>3</td>" in summary  # entries are counted, not drawn
    assert reverse("review:list_detail", args=[rlist.pk]) in summary
    detail = client.get(reverse("review:list_detail", args=[rlist.pk])).content.decode()
    assert "同意推荐" in detail
    assert detail.index(unit_y[0].enterprise.name) < detail.index(unit_y[1].enterprise.name)


def test_single_receive_button(client, call, orgs, users, unit_y):
    login(client, users["city"])
    response = client.post(reverse("review:receive", args=[unit_y[3].pk]), follow=True)
    assert "未列入所属单位的推荐名单，不能受理" in response.content.decode()
    client.post(reverse("review:receive", args=[unit_y[0].pk]))
    unit_y[0].refresh_from_db()
    assert unit_y[0].status == State.RECEIVED


def test_intake_is_for_the_city(client, users, call):
    for key, status in (("x", 403), ("a", 403), ("expert", 403), ("city", 200), ("admin", 403)):
        login(client, users[key])
        assert client.get(reverse("review:intake")).status_code == status, key
