"""Publishing, objection handling, rejection and finalisation through the services and the city's pages."""

import csv
import datetime as dt
import io
import json
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.publicity import exports, services
from tidu.publicity.models import Objection, Publicity, PublicityEntry
from tidu.publicity.tests.conftest import AFTER, BEFORE, DURING, LAST_EVENING, entry_of, make_publicity


def lodge(publicity, entry, *, now=DURING, email="", address="203.0.113.1"):
    return services.objection_submit(publicity=publicity, entry=entry, name="张三", phone="13900001111", email=email,
                                     content="该企业申报的在线视觉检测场景实际并未投入使用，请核实。",
                                     client_address=address, now=now)


def statuses(applications):
    for application in applications.values():
        application.refresh_from_db()
    return {key: application.status for key, application in applications.items()}


# --- publishing ------------------------------------------------------------------------------------

def test_publishing_proposes_every_entry_and_freezes_what_the_public_sees(published, verified):
    assert published.status == Publicity.Status.PUBLISHED and published.published_at is not None
    assert set(statuses(verified).values()) == {State.PROPOSED}
    entry = entry_of(published, verified["a"])
    assert (entry.enterprise_name, entry.credit_code, entry.unit_name, entry.tier_label, entry.project_name) == (
        "天门市华楚精密机械有限公司", "91429006MA49ABCD1X", "竟陵街道办事处", "基础级", "机加车间智能化改造项目")
    assert entry.outcome == PublicityEntry.Outcome.PROPOSED
    event = verified["a"].events.all().last()
    assert (event.action, event.from_status, event.to_status) == ("propose", State.ONSITE_VERIFIED, State.PROPOSED)


def test_publishing_refuses_a_start_date_in_the_past(world, verified, city):
    publicity = make_publicity(world["call"], city, [verified["a"]])
    with pytest.raises(services.PublicityError) as refused:
        services.publicity_publish(publicity=publicity, user=city, now=DURING)
    assert "已过" in refused.value.details[0]
    assert statuses(verified)["a"] == State.ONSITE_VERIFIED


def test_publishing_refuses_an_application_that_left_onsite_verified(world, verified, city):
    publicity = make_publicity(world["call"], city, [verified["a"], verified["b"]])
    application_services.application_transition(application=verified["b"], action="city_return", user=city,
                                                section_reasons={"scope": "请补充项目投资明细"})
    with pytest.raises(services.PublicityError) as refused:
        services.publicity_publish(publicity=publicity, user=city, now=BEFORE)
    assert "天门市岳口纺织有限公司：当前状态为“退回补正”" in refused.value.details[0]
    assert statuses(verified)["a"] == State.ONSITE_VERIFIED, "nothing is half-published"


def test_an_application_can_be_on_one_publicity_only(world, verified, city):
    make_publicity(world["call"], city, [verified["a"]])
    assert verified["a"] not in services.publicity_candidates(world["call"])
    other = make_publicity(world["call"], city, [verified["b"]])
    with pytest.raises(services.PublicityError, match="不能列入本公示"):
        services.publicity_add_entries(publicity=other, application_ids=[verified["a"].pk], user=city)


def test_a_published_list_cannot_change(published, verified, city):
    with pytest.raises(services.PublicityError, match="已发布"):
        services.publicity_remove_entry(entry=entry_of(published, verified["a"]), user=city)
    with pytest.raises(services.PublicityError, match="已发布"):
        services.publicity_update(publicity=published, user=city, title="改名")
    with pytest.raises(services.PublicityError, match="已发布"):
        services.publicity_delete(publicity=published, user=city)


def test_only_the_city_runs_publicity(world, verified):
    township = world["users"]["x"]
    with pytest.raises(PermissionDenied):
        services.publicity_create(call=world["call"], user=township, title="x", start_date=dt.date(2026, 4, 3),
                                  working_days=5, contact_office="x", contact_phone="0728-5221234")


# --- objections ------------------------------------------------------------------------------------

def test_objections_only_during_the_period(published, verified):
    entry = entry_of(published, verified["a"])
    with pytest.raises(services.ObjectionClosed, match="将于"):
        lodge(published, entry, now=BEFORE)
    with pytest.raises(services.ObjectionClosed, match="结束"):
        lodge(published, entry, now=AFTER)
    assert lodge(published, entry, now=LAST_EVENING).pk


def test_handling_records_the_outcome_once_and_mails_the_reply(published, verified, city,
                                                               django_capture_on_commit_callbacks):
    objection = lodge(published, entry_of(published, verified["a"]), email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_handle(objection=objection, user=city, investigation="现场复核，视觉检测设备运行正常。",
                                  outcome="not_upheld", reply="经核实，该场景已投入使用，异议不成立。")
    objection.refresh_from_db()
    assert objection.outcome == "not_upheld" and objection.handled_by == city and objection.handled_at
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang@example.com"]
    assert "异议不成立" in mail.outbox[0].body and objection.number in mail.outbox[0].subject
    with pytest.raises(services.PublicityError, match="已于"):
        services.objection_handle(objection=objection, user=city, investigation="再查", outcome="upheld", reply="改")


def test_handling_needs_text_and_a_valid_outcome(published, verified, city):
    objection = lodge(published, entry_of(published, verified["a"]))
    with pytest.raises(services.PublicityError, match="请选择处理结论"):
        services.objection_handle(objection=objection, user=city, investigation="a", outcome="maybe", reply="b")
    with pytest.raises(services.PublicityError, match="请填写调查核实情况和答复意见"):
        services.objection_handle(objection=objection, user=city, investigation=" ", outcome="upheld", reply="b")


def test_an_upheld_objection_lets_the_city_reject_the_entry(published, verified, city):
    entry = entry_of(published, verified["b"])
    objection = lodge(published, entry)
    with pytest.raises(services.PublicityError, match="只有异议成立时"):
        services.entry_reject(objection=objection, user=city, reason="x")
    services.objection_handle(objection=objection, user=city, investigation="现场核实，视觉检测未投用。",
                              outcome="upheld", reply="异议成立，不予认定。")
    services.entry_reject(objection=objection, user=city, reason="在线视觉检测场景未投入使用")
    entry.refresh_from_db()
    assert entry.outcome == PublicityEntry.Outcome.REJECTED and entry.decided_by == city
    assert statuses(verified)["b"] == State.NOT_RECOGNISED
    event = verified["b"].events.all().last()
    assert event.action == "reject" and objection.number in event.reason and "视觉检测场景未投入使用" in event.reason
    with pytest.raises(services.PublicityError, match="不能再作不予认定"):
        services.entry_reject(objection=objection, user=city, reason="again")


# --- finalising ------------------------------------------------------------------------------------

def test_finalising_is_refused_before_the_end_date(published, city):
    with pytest.raises(services.PublicityError) as refused:
        services.publicity_finalise(publicity=published, user=city, now=LAST_EVENING)
    assert "公示期至 2026年4月9日（星期四）结束" in refused.value.details[0]
    assert Publicity.objects.get(pk=published.pk).status == Publicity.Status.PUBLISHED


def test_finalising_is_refused_with_unhandled_objections(published, verified, city):
    objection = lodge(published, entry_of(published, verified["a"]))
    with pytest.raises(services.PublicityError) as refused:
        services.publicity_finalise(publicity=published, user=city, now=AFTER)
    assert refused.value.details == [f"尚有 1 件异议未处理：{objection.number}"]
    assert set(statuses(verified).values()) == {State.PROPOSED}


def test_finalising_a_draft_is_refused(world, verified, city):
    draft = make_publicity(world["call"], city, [verified["a"]])
    with pytest.raises(services.PublicityError, match="暂不能认定"):
        services.publicity_finalise(publicity=draft, user=city, now=AFTER)


@pytest.fixture
def finalised(published, verified, city):
    """b rejected upon an upheld objection; a's objection not upheld; then finalised on 2026-04-10."""
    rejected = lodge(published, entry_of(published, verified["b"]))
    services.objection_handle(objection=rejected, user=city, investigation="核实属实。", outcome="upheld",
                              reply="异议成立。")
    services.entry_reject(objection=rejected, user=city, reason="场景未投入使用")
    kept = lodge(published, entry_of(published, verified["a"]), address="198.51.100.2")
    services.objection_handle(objection=kept, user=city, investigation="核实不属实。", outcome="not_upheld",
                              reply="异议不成立。")
    return services.publicity_finalise(publicity=published, user=city, now=AFTER)


def test_finalise_recognises_the_rest_and_freezes_the_list(finalised, verified, city):
    assert statuses(verified) == {"a": State.RECOGNISED, "b": State.NOT_RECOGNISED, "c": State.RECOGNISED}
    assert finalised.status == Publicity.Status.FINALISED and finalised.final_list_date == dt.date(2026, 4, 10)
    assert finalised.finalised_by == city
    snapshot = finalised.final_snapshot
    assert snapshot["title"] == "天门市2026年度基础级智能工厂认定名单"
    assert [e["enterprise_name"] for e in snapshot["entries"]] == sorted(
        ["天门市华楚精密机械有限公司", "天门市恒力电气设备有限公司"],
        key=lambda name: [e.enterprise_name for e in finalised.entries.order_by("position")].index(name))
    assert [e["position"] for e in snapshot["entries"]] == [1, 2]
    assert "天门市岳口纺织有限公司" not in json.dumps(snapshot, ensure_ascii=False)
    assert len(finalised.final_snapshot_sha256) == 64
    with pytest.raises(services.PublicityError) as refused:
        services.publicity_finalise(publicity=finalised, user=city, now=AFTER)
    assert refused.value.details == ["已完成认定"]


def test_the_final_list_is_published_on_the_public_page(client, finalised, settings):
    settings.TIDU_NOW = AFTER.isoformat()
    page = client.get(reverse("publicity:public_list")).content.decode()
    assert "认定名单（2026年4月10日公布）" in page and "已公布认定名单" in page
    assert reverse("publicity:final_xlsx", args=[finalised.pk]) in page


def test_xlsx_export_matches_the_snapshot_and_is_reproducible(client, finalised):
    response = client.get(reverse("publicity:final_xlsx", args=[finalised.pk]))
    assert response.status_code == 200
    name = response["Content-Disposition"].split("filename*=utf-8''")[1]
    assert unquote(name) == "天门市2026年度基础级智能工厂认定名单.xlsx"  # the Chinese name, RFC 5987-encoded
    assert response.content == client.get(reverse("publicity:final_xlsx", args=[finalised.pk])).content
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "天门市2026年度基础级智能工厂认定名单" and "2026年4月10日" in rows[1][0]
    snapshot = finalised.final_snapshot
    assert rows[exports.XLSX_HEADER_ROW - 1] == [c["label"] for c in snapshot["columns"]]
    data = rows[exports.XLSX_HEADER_ROW:]
    assert data == [[e[c["key"]] for c in snapshot["columns"]] for e in snapshot["entries"]]


def test_csv_export_matches_the_snapshot(client, finalised):
    response = client.get(reverse("publicity:final_csv", args=[finalised.pk]))
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    snapshot = finalised.final_snapshot
    assert rows[0] == ["序号", "企业名称", "统一社会信用代码", "智能工厂（项目）名称", "所在乡镇（单位）", "认定等级"]
    assert rows[1:] == [[str(e[c["key"]]) for c in snapshot["columns"]] for e in snapshot["entries"]]


def test_exports_come_from_the_snapshot_only(client, finalised, verified):
    before = client.get(reverse("publicity:final_csv", args=[finalised.pk])).content
    enterprise = verified["a"].enterprise
    enterprise.name = "改名后的企业"
    enterprise.save()
    PublicityEntry.objects.filter(publicity=finalised).update(enterprise_name="被改动")
    assert client.get(reverse("publicity:final_csv", args=[finalised.pk])).content == before


def test_no_export_before_finalisation(client, published):
    assert client.get(reverse("publicity:final_csv", args=[published.pk])).status_code == 404
    assert client.get(reverse("publicity:final_xlsx", args=[published.pk])).status_code == 404


def test_close_expired_marks_and_notifies(published, city, django_capture_on_commit_callbacks):
    assert services.publicity_close_expired(now=LAST_EVENING) == []
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.publicity_close_expired(now=AFTER)
    assert [p.pk for p in closed] == [published.pk]
    assert Publicity.objects.get(pk=published.pk).status == Publicity.Status.CLOSED
    assert city.notifications.get(kind="publicity.closed")
    finalised = services.publicity_finalise(publicity=published, user=city, now=AFTER)
    assert finalised.status == Publicity.Status.FINALISED


# --- the whole thing through the city's pages ------------------------------------------------------

def test_the_city_runs_a_publicity_through_its_pages(client, world, verified, city, settings):
    settings.TIDU_NOW = BEFORE.isoformat()
    client.force_login(city)
    form = client.get(reverse("publicity:create")).content.decode()
    assert "天门市2026年度基础级智能工厂拟认定名单公示" in form and "天门市经济和信息化局（中小企业科）" in form
    response = client.post(reverse("publicity:create"), {
        "call": world["call"].pk, "title": "天门市2026年度基础级智能工厂拟认定名单公示", "start_date": "2026-04-03",
        "working_days": "5", "intro": "", "contact_office": "天门市经济和信息化局（中小企业科）",
        "contact_phone": "0728-5221234", "contact_email": "", "contact_address": ""})
    assert response.status_code == 302
    publicity = Publicity.objects.get()
    assert publicity.end_date == dt.date(2026, 4, 9)
    detail = client.get(response.url).content.decode()
    assert "天门市华楚精密机械有限公司" in detail and "列入公示名单" in detail
    client.post(reverse("publicity:add_entries", args=[publicity.pk]),
                {"application": [str(a.pk) for a in verified.values()]})
    assert publicity.entries.count() == 3
    response = client.post(reverse("publicity:publish", args=[publicity.pk]), follow=True)
    assert "公示已发布" in response.content.decode()
    assert set(statuses(verified).values()) == {State.PROPOSED}

    settings.TIDU_NOW = DURING.isoformat()
    objection = lodge(publicity, entry_of(publicity, verified["c"]))
    page = client.get(reverse("publicity:manage_detail", args=[publicity.pk])).content.decode()
    assert objection.number in page and "待处理 1 件" in page
    response = client.post(reverse("publicity:objection", args=[objection.pk]),
                           {"investigation": "", "outcome": "", "reply": ""})
    assert response.status_code == 400 and "请填写此项" in response.content.decode()
    client.post(reverse("publicity:objection", args=[objection.pk]),
                {"investigation": "现场核实属实。", "outcome": "upheld", "reply": "异议成立。"})
    assert Objection.objects.get().outcome == "upheld"
    client.post(reverse("publicity:entry_reject", args=[objection.pk]), {"reason": "场景未建成"})
    assert statuses(verified)["c"] == State.NOT_RECOGNISED

    response = client.post(reverse("publicity:finalise", args=[publicity.pk]), follow=True)
    assert "暂不能认定" in response.content.decode()
    settings.TIDU_NOW = AFTER.isoformat()
    response = client.post(reverse("publicity:finalise", args=[publicity.pk]), follow=True)
    assert "认定完成：2 家企业列入认定名单" in response.content.decode()
    assert statuses(verified) == {"a": State.RECOGNISED, "b": State.RECOGNISED, "c": State.NOT_RECOGNISED}


def test_create_form_errors_are_in_chinese(client, world, city, settings):
    settings.TIDU_NOW = BEFORE.isoformat()
    client.force_login(city)
    response = client.post(reverse("publicity:create"), {
        "call": world["call"].pk, "title": "", "start_date": "2026-03-01", "working_days": "40",
        "contact_office": "x", "contact_phone": "abc"})
    page = response.content.decode()
    assert "开始日期不能早于今天（2026-04-02）" in page and "公示期应为 1 至 30 个工作日" in page
    assert "请填写有效的电话号码" in page and "请填写此项" in page
    assert not Publicity.objects.exists()


def test_the_closed_notice_reads_in_english(published, city, django_capture_on_commit_callbacks):
    from tidu.testing import cjk_left, english, notice_in

    with django_capture_on_commit_callbacks(execute=True):
        services.publicity_close_expired(now=AFTER)
    notice = city.notifications.get(kind="publicity.closed")
    assert notice.body.startswith(f"“{published.title}”已于 ") and "（星期" in notice.body
    assert notice.body.endswith("公示期满。异议均已处理，可以办理认定。")
    with english({"公示期满": "Publicity period over",
                  "“%(title)s”已于 %(date)s公示期满。异议均已处理，可以办理认定。":
                      "The publicity period of “%(title)s” ended on %(date)s. Every objection is settled: the "
                      "recognition may proceed."}):
        shown = notice_in(notice, "en")
    # The catalogue's English wins over the one given here once it has the sentence: assert its shape, not its words.
    assert "\n" in shown and published.title in shown.split("\n", 1)[1] and "day)" in shown
    assert cjk_left(shown, published.title) == [], shown
