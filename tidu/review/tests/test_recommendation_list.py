"""The 推荐名单 as an object: entries, order, opinions, sign-off, freezing, the deadline, the city's reopening."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.notifications.models import Notification
from tidu.review import services
from tidu.review.models import RecommendationEntry, RecommendationList
from tidu.review.tests.conftest import (
    BEIJING,
    IN_WINDOW,
    LAST_MOMENT,
    TOO_LATE,
    login,
    make_enterprise,
    start,
)
from tidu.review.tests.conftest import enterprise_user as make_enterprise_user
from tidu.review.tests.lifecycle import drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    """The business clock for views (services take ``now=`` directly); returns a setter."""
    state = {"now": IN_WINDOW}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return lambda moment: state.update(now=moment)


@pytest.fixture
def three(call, orgs, enterprises, users, app_a, app_a2):
    """Three recommended applications of unit X."""
    third = make_enterprise(orgs["x"], "天门市竟陵食品有限公司", industry="C1311")
    make_enterprise_user(third, "ent_a3")
    app_a3 = start(third, third.organisation.users.get(), call)
    return [drive_to(app, State.TOWNSHIP_RECOMMENDED) for app in (app_a, app_a2, app_a3)]


def make_list(call, orgs, users, applications, *, opinions=True, now=IN_WINDOW):
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entries = services.entries_add(rlist=rlist, applications=applications, user=users["x"], now=now)
    if opinions:
        services.entries_update(rlist=rlist, order=[e.pk for e in entries],
                                opinions={e.pk: f"同意推荐{e.application.enterprise.name}" for e in entries},
                                user=users["x"], now=now)
    rlist.refresh_from_db()
    return rlist


def names(rlist):
    return [e.application.enterprise.name for e in rlist.entries.order_by("priority")]


# --- pure ordering rules ---------------------------------------------------------------------------------

def test_order_from_typed_positions():
    ids = [10, 20, 30, 40]
    assert services.order_from_positions(ids, {}) == ids
    assert services.order_from_positions(ids, {40: 1}) == [40, 10, 20, 30]  # moved up: before the one there
    assert services.order_from_positions(ids, {10: 3}) == [20, 30, 10, 40]  # moved down: after the one there
    assert services.order_from_positions(ids, {10: 4, 40: 1}) == [40, 20, 30, 10]
    assert services.order_from_positions(ids, {10: 1, 20: 2, 30: 3, 40: 4}) == ids


def test_move_up_and_down():
    assert services.move([1, 2, 3], 3, -1) == [1, 3, 2]
    assert services.move([1, 2, 3], 1, +1) == [2, 1, 3]
    assert services.move([1, 2, 3], 1, -1) == [1, 2, 3]  # already first
    assert services.move([1, 2, 3], 9, -1) == [1, 2, 3]


# --- entries -------------------------------------------------------------------------------------------

def test_only_recommended_applications_of_the_unit_can_be_added(call, orgs, users, app_a, app_a2, app_b):
    drive_to(app_a, State.SUBMITTED)
    drive_to(app_b, State.TOWNSHIP_RECOMMENDED)
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    with pytest.raises(services.ReviewError) as refused:
        services.entries_add(rlist=rlist, applications=[app_a, app_b], user=users["x"], now=IN_WINDOW)
    text = " ".join(refused.value.details)
    assert "只有乡镇已推荐的申报才能列入推荐名单" in text and "不属于竟陵街道办事处" in text
    assert not rlist.entries.exists()  # all or nothing
    drive_to(app_a2, State.TOWNSHIP_RECOMMENDED)
    services.entries_add(rlist=rlist, applications=[app_a2], user=users["x"], now=IN_WINDOW)
    with pytest.raises(services.ReviewError, match="未能列入"):
        services.entries_add(rlist=rlist, applications=[app_a2], user=users["x"], now=IN_WINDOW)
    assert rlist.entries.count() == 1
    with pytest.raises(services.PermissionDenied):
        services.entries_add(rlist=rlist, applications=[app_a2], user=users["y"], now=IN_WINDOW)


def test_entries_are_ranked_and_reordered_through_the_page(client, now, call, orgs, users, three):
    rlist = make_list(call, orgs, users, three)
    first, second, third = rlist.entries.order_by("priority")
    assert [first.priority, second.priority, third.priority] == [1, 2, 3]
    login(client, users["x"])
    url = reverse("review:list_edit", args=[rlist.pk])
    base = {"entries": f"{first.pk},{second.pk},{third.pk}",
            **{f"opinion-{e.pk}": e.opinion for e in (first, second, third)},
            **{f"position-{e.pk}": str(e.priority) for e in (first, second, third)}}
    # typed number: the third goes to place 1
    assert client.post(url, {**base, f"position-{third.pk}": "1", "save": "1"}).status_code == 302
    assert names(rlist) == [third.application.enterprise.name, first.application.enterprise.name,
                            second.application.enterprise.name]
    # ↓ on the (now) first; the typed opinion is saved with it
    base = {"entries": f"{third.pk},{first.pk},{second.pk}", f"opinion-{third.pk}": "新意见",
            f"opinion-{first.pk}": first.opinion, f"opinion-{second.pk}": second.opinion}
    assert client.post(url, {**base, "down": str(third.pk)}).status_code == 302
    assert names(rlist)[:2] == [first.application.enterprise.name, third.application.enterprise.name]
    assert RecommendationEntry.objects.get(pk=third.pk).opinion == "新意见"
    # an invalid number is refused without losing what was typed
    response = client.post(url, {**base, f"position-{first.pk}": "九", f"opinion-{second.pk}": "刚写的意见"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "顺序号“九”无效" in page and "刚写的意见" in page
    # remove renumbers the rest
    rows = list(rlist.entries.order_by("priority"))
    data = {"entries": ",".join(str(e.pk) for e in rows), **{f"opinion-{e.pk}": e.opinion for e in rows},
            "remove": str(rows[0].pk)}
    assert client.post(url, data).status_code == 302
    assert list(rlist.entries.order_by("priority").values_list("priority", flat=True)) == [1, 2]
    actions = list(rlist.events.values_list("action", flat=True))
    assert actions[:2] == ["create", "add"] and "edit" in actions and actions[-1] == "remove"


def test_a_stale_page_cannot_reorder(call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:2])
    first, second = rlist.entries.order_by("priority")
    services.entries_add(rlist=rlist, applications=[three[2]], user=users["x"], now=IN_WINDOW)
    with pytest.raises(services.ReviewError, match="已被他人修改"):
        services.entries_update(rlist=rlist, order=[second.pk, first.pk], opinions={}, user=users["x"],
                                now=IN_WINDOW)


# --- sign-off and freezing --------------------------------------------------------------------------------

def test_sign_off_needs_entries_and_an_opinion_for_each(call, orgs, users, three):
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    with pytest.raises(services.ReviewError) as refused:
        services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    assert "至少列入一家" in refused.value.details[0]
    services.entries_add(rlist=rlist, applications=three[:2], user=users["x"], now=IN_WINDOW)
    with pytest.raises(services.ReviewError) as refused:
        services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    assert len(refused.value.details) == 2 and all("尚未填写推荐意见" in d for d in refused.value.details)
    rlist.refresh_from_db()
    assert rlist.status == RecommendationList.Status.DRAFT


def test_signing_freezes_and_snapshots_and_sending_tells_the_city(django_capture_on_commit_callbacks, call, orgs,
                                                                 users, three):
    rlist = make_list(call, orgs, users, three[:2])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    rlist.refresh_from_db()
    assert rlist.status == "signed" and rlist.signed_by == users["x"] and rlist.signed_at == IN_WINDOW
    assert [row["enterprise_name"] for row in rlist.snapshot["entries"]] == names(rlist)
    assert len(rlist.snapshot_sha256) == 64
    entry = rlist.entries.first()
    with pytest.raises(services.ReviewError, match="已签发，不能再修改"):
        services.entries_update(rlist=rlist, order=[e.pk for e in rlist.entries.all()], opinions={entry.pk: "改"},
                                user=users["x"], now=IN_WINDOW)
    with pytest.raises(services.ReviewError, match="已签发"):
        services.entries_add(rlist=rlist, applications=[three[2]], user=users["x"], now=IN_WINDOW)
    with pytest.raises(services.ReviewError, match="已签发"):
        services.entry_remove(rlist=rlist, entry_id=entry.pk, user=users["x"], now=IN_WINDOW)
    # a recommendation on a frozen list cannot be withdrawn behind its back
    with pytest.raises(application_services.ApplicationError, match="不能撤回推荐"):
        application_services.application_transition(application=three[0], action="township_withdraw_recommendation",
                                                    user=users["x"], reason="企业要求")
    three[0].refresh_from_db()
    assert three[0].status == State.TOWNSHIP_RECOMMENDED
    with django_capture_on_commit_callbacks(execute=True):
        services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    rlist.refresh_from_db()
    assert rlist.status == "sent" and rlist.sent_at == IN_WINDOW
    notice = Notification.objects.get(recipient=users["city"], kind="review.list_sent")
    assert "竟陵街道办事处报送了推荐名单（2 家）" in notice.title and names(rlist)[0] in notice.body
    assert not Notification.objects.filter(recipient=users["y"]).exists()
    assert list(rlist.events.values_list("action", flat=True))[-2:] == ["sign", "send"]


def test_withdrawing_a_recommendation_takes_it_off_an_editable_list(now, call, orgs, users, three):
    rlist = make_list(call, orgs, users, three)
    application_services.application_transition(application=three[0], action="township_withdraw_recommendation",
                                                user=users["x"], reason="企业要求撤回")
    assert rlist.entries.count() == 2
    assert list(rlist.entries.order_by("priority").values_list("priority", flat=True)) == [1, 2]
    event = rlist.events.get(action="remove")
    assert event.reason == "撤回推荐" and event.detail["enterprise"] == three[0].enterprise.name


def test_unsign_before_sending_makes_it_editable_again(call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:1])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    services.list_unsign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    rlist.refresh_from_db()
    assert rlist.status == "draft" and rlist.snapshot == {} and rlist.signed_at is None
    with pytest.raises(services.ReviewError, match="须先签发"):
        services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)


# --- the deadline ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "allowed"), [(LAST_MOMENT, True), (TOO_LATE, False)],
                         ids=["2026-03-01 23:59:59+08 allowed", "2026-03-02 00:00+08 refused"])
def test_the_township_deadline_includes_its_whole_last_day(moment, allowed, call, orgs, users, three):
    assert call.township_deadline_before == dt.datetime(2026, 3, 2, tzinfo=BEIJING)
    rlist = make_list(call, orgs, users, three[:2], now=IN_WINDOW)
    entry = rlist.entries.first()
    steps = [
        lambda: services.entries_update(rlist=rlist, order=[e.pk for e in rlist.entries.order_by("-priority")],
                                        opinions={entry.pk: "截止当天修改"}, user=users["x"], now=moment),
        lambda: services.entries_add(rlist=rlist, applications=[three[2]], user=users["x"], now=moment),
        lambda: services.list_sign(rlist=rlist, user=users["x"], now=moment),
        lambda: services.list_send(rlist=rlist, user=users["x"], now=moment),
    ]
    if allowed:
        services.entries_update(rlist=rlist, order=[e.pk for e in rlist.entries.order_by("-priority")],
                                opinions={entry.pk: "截止当天修改"}, user=users["x"], now=moment)
        services.list_sign(rlist=rlist, user=users["x"], now=moment)
        services.list_send(rlist=rlist, user=users["x"], now=moment)
        rlist.refresh_from_db()
        assert rlist.status == "sent" and rlist.sent_at == moment
    else:
        for step in steps:
            with pytest.raises(services.ReviewError, match="乡镇推荐截止时间（2026年3月1日 24:00，北京时间）已过"):
                step()
        rlist.refresh_from_db()
        assert rlist.status == "draft" and rlist.entries.count() == 2


def test_a_signed_but_unsent_list_cannot_be_sent_after_the_deadline(call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:1])
    services.list_sign(rlist=rlist, user=users["x"], now=LAST_MOMENT)
    with pytest.raises(services.ReviewError, match="已过"):
        services.list_send(rlist=rlist, user=users["x"], now=TOO_LATE)
    with pytest.raises(services.ReviewError, match="已过"):
        services.list_unsign(rlist=rlist, user=users["x"], now=TOO_LATE)


def test_after_the_deadline_only_the_city_reopens_and_the_township_resends_once(call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:2])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    later = TOO_LATE + dt.timedelta(days=3)
    # the township cannot reopen it; the city must give a reason
    with pytest.raises(services.PermissionDenied):
        services.list_reopen(rlist=rlist, user=users["x"], reason="想改", now=later)
    with pytest.raises(services.ReviewError, match="须写明原因"):
        services.list_reopen(rlist=rlist, user=users["city"], reason="  ", now=later)
    services.list_reopen(rlist=rlist, user=users["city"], reason="请补充第2位企业的推荐意见", now=later)
    rlist.refresh_from_db()
    assert rlist.status == "reopened" and rlist.reopened_by == users["city"]
    # after the deadline, the township may now change it, sign it and send it again …
    first, second = rlist.entries.order_by("priority")
    services.entries_update(rlist=rlist, order=[second.pk, first.pk], opinions={second.pk: "补充后的意见"},
                            user=users["x"], now=later)
    services.list_sign(rlist=rlist, user=users["x"], now=later)
    services.list_send(rlist=rlist, user=users["x"], now=later + dt.timedelta(hours=1))
    rlist.refresh_from_db()
    assert rlist.status == "sent" and rlist.snapshot["entries"][0]["recommendation"] == "补充后的意见"
    assert rlist.events.filter(action="send").last().detail["resend"] is True
    # … once: the next change needs another reopening
    with pytest.raises(services.ReviewError, match="已签发|已过"):
        services.entries_update(rlist=rlist, order=[first.pk, second.pk], opinions={}, user=users["x"],
                                now=later + dt.timedelta(hours=2))
    services.list_reopen(rlist=rlist, user=users["city"], reason="再次退回", now=later + dt.timedelta(days=1))
    rlist.refresh_from_db()
    assert services.township_may_change(rlist, later + dt.timedelta(days=1))  # each reopening allows one resend
    with pytest.raises(services.ReviewError, match="不需要退回"):
        services.list_reopen(rlist=rlist, user=users["city"], reason="重复退回", now=later + dt.timedelta(days=1))
    assert list(rlist.events.values_list("action", flat=True)).count("reopen") == 2


def test_reopening_notifies_the_township(django_capture_on_commit_callbacks, call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:1])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.list_reopen(rlist=rlist, user=users["city"], reason="顺序有误", now=TOO_LATE)
    notice = Notification.objects.get(recipient=users["x"], kind="review.list_reopened")
    assert "顺序有误" in notice.body


# --- pages and scoping -------------------------------------------------------------------------------------

def test_another_unit_cannot_see_or_change_the_list(client, now, call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:1])
    login(client, users["y"])
    for name in ("review:list_detail", "review:list_edit", "review:list_sign", "review:list_send",
                 "review:list_unsign"):
        url = reverse(name, args=[rlist.pk])
        response = client.get(url) if name == "review:list_detail" else client.post(url, {"entries": ""})
        assert response.status_code == 404, name
    assert client.get(reverse("review:list_export", args=[rlist.pk, "xlsx"])).status_code == 404
    login(client, users["a"])
    assert client.get(reverse("review:list_detail", args=[rlist.pk])).status_code == 403
    login(client, users["city"])  # the city sees every list, read-only
    page = client.get(reverse("review:list_detail", args=[rlist.pk])).content.decode()
    assert three[0].enterprise.name in page and 'name="remove"' not in page
    assert client.post(reverse("review:list_sign", args=[rlist.pk])).status_code == 403
    rlist.refresh_from_db()
    assert rlist.status == "draft"


def test_the_township_page_flow(client, now, call, orgs, users, three):
    login(client, users["x"])
    dashboard = client.get(reverse("review:township_dashboard")).content.decode()
    assert "将勾选的申报列入推荐名单" in dashboard
    response = client.post(reverse("review:list_add"), {"call": call.code,
                                                        "application": [a.pk for a in three[:2]]})
    rlist = RecommendationList.objects.get(unit=orgs["x"])
    assert response["Location"] == reverse("review:list_detail", args=[rlist.pk])
    page = client.get(response["Location"]).content.decode()
    assert "尚未填写推荐意见" in page and "data-sortable" in page
    # another unit's application cannot be smuggled in
    assert client.post(reverse("review:list_add"), {"call": call.code, "application": [9999]}).status_code == 404
    entries = list(rlist.entries.order_by("priority"))
    client.post(reverse("review:list_edit", args=[rlist.pk]),
                {"entries": ",".join(str(e.pk) for e in entries), **{f"opinion-{e.pk}": "同意推荐" for e in entries}})
    assert client.post(reverse("review:list_sign", args=[rlist.pk])).status_code == 302
    assert client.post(reverse("review:list_send", args=[rlist.pk])).status_code == 302
    rlist.refresh_from_db()
    assert rlist.status == "sent"
    now(TOO_LATE)
    page = client.get(reverse("review:list_detail", args=[rlist.pk])).content.decode()
    assert "已报送市经信局" in page and 'name="remove"' not in page


def test_export_xlsx_prints_the_frozen_list_in_order(client, now, call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:2])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    login(client, users["x"])
    response = client.get(reverse("review:list_export", args=[rlist.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    printed = [row[1] for row in values if row and isinstance(row[0], int)]
    assert printed == names(rlist)
    assert any("同意推荐" in str(row[4]) for row in values if row and isinstance(row[0], int))


def test_a_reopened_list_keeps_received_applications_and_can_be_signed_again(call, orgs, users, three):
    rlist = make_list(call, orgs, users, three[:2])
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    services.city_receive(application=three[0], user=users["city"])
    later = TOO_LATE + dt.timedelta(days=1)
    services.list_reopen(rlist=rlist, user=users["city"], reason="请补充第2位企业的推荐意见", now=later)
    received = rlist.entries.get(application=three[0])
    with pytest.raises(services.ReviewError, match="已由市经信局受理，不能移出推荐名单"):
        services.entry_remove(rlist=rlist, entry_id=received.pk, user=users["x"], now=later)
    assert services.sign_blockers(rlist) == []
    services.list_sign(rlist=rlist, user=users["x"], now=later)
    services.list_send(rlist=rlist, user=users["x"], now=later)
    rlist.refresh_from_db()
    assert rlist.status == "sent" and rlist.entries.count() == 2
    # the one not yet received can now be received from the re-sent list
    services.city_receive(application=three[1], user=users["city"])
    three[1].refresh_from_db()
    assert three[1].status == State.RECEIVED


REVIEW_NOTICES_EN = {
    "%(unit)s推荐名单已签发，待报送": "%(unit)s: recommendation list signed, waiting to be sent",
    "%(name)s已签发推荐名单（%(count)s 家），请在截止前报送市经信局。":
        "%(name)s signed the recommendation list (%(count)s enterprises); please send it to the city bureau before "
        "the deadline.",
    "%(unit)s报送了推荐名单（%(count)s 家）": "%(unit)s sent its recommendation list (%(count)s enterprises)",
    "%(unit)s重新报送了推荐名单（%(count)s 家）": "%(unit)s sent its recommendation list again (%(count)s enterprises)",
    "推荐名单已报送市经信局（%(count)s 家）": "Recommendation list sent to the city bureau (%(count)s enterprises)",
    "%(name)s于 %(time)s 报送。": "Sent by %(name)s at %(time)s.",
    "市经信局退回推荐名单，请修改后重新报送": "The city bureau returned the recommendation list: please revise and send it again",
    "原因：%(reason)s": "Reason: %(reason)s",
    "修改并签发后可重新报送一次。": "Once revised and signed, it may be sent once more.",
    "%(priority)s. %(name)s：%(recommendation)s": "%(priority)s. %(name)s: %(recommendation)s",
}


def test_list_notices_read_in_english_and_stay_chinese_for_a_chinese_reader(
        django_capture_on_commit_callbacks, call, orgs, users, three):
    from tidu.testing import cjk_left, english, notice_in

    rlist = make_list(call, orgs, users, three[:1])
    with django_capture_on_commit_callbacks(execute=True):
        services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
        services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.list_reopen(rlist=rlist, user=users["city"], reason="顺序有误", now=TOO_LATE)
    sent = Notification.objects.get(recipient=users["city"], kind="review.list_sent")
    told = Notification.objects.get(recipient=users["x"], kind="review.list_sent")
    reopened = Notification.objects.get(recipient=users["x"], kind="review.list_reopened")
    entry = rlist.entries.get()
    unit, name, opinion = rlist.unit.name, entry.application.enterprise.name, entry.opinion
    assert sent.title == f"{unit}报送了推荐名单（1 家）" and sent.body == f"1. {name}：{opinion}"
    assert told.title == "推荐名单已报送市经信局（1 家）" and told.body.endswith(" 报送。")
    assert reopened.body == "原因：顺序有误\n修改并签发后可重新报送一次。"
    assert notice_in(reopened, "zh-hans") == f"{reopened.title}\n{reopened.body}"  # the Chinese reader: as before

    with english(REVIEW_NOTICES_EN):
        assert notice_in(sent, "en") == (f"{unit} sent its recommendation list (1 enterprises)\n1. {name}: {opinion}")
        assert notice_in(told, "en").startswith("Recommendation list sent to the city bureau (1 enterprises)\nSent by ")
        shown = notice_in(reopened, "en")
        assert "Reason: 顺序有误" in shown and "Once revised and signed" in shown
        for notice, kept in ((sent, (opinion, unit, name)), (told, (users["x"].display_name,)),
                             (reopened, ("顺序有误",))):
            assert cjk_left(notice_in(notice, "en"), *kept) == [], notice_in(notice, "en")
