"""The review operations: one audit row each, refusals from check(), the 受理 rule on the transition itself, batches.

Every 推荐名单 action writes exactly one AuditEntry (actor, role, action, from → to, detail as the list page shows
it) and announces one event; a wrong role is a 403 (PermissionDenied) and a wrong state a Chinese ReviewError,
the same answer from ``check`` (buttons) as from ``execute``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.models import AuditEntry, OutboxEvent
from tidu.core.operations import operation, registered
from tidu.review import operations as ops
from tidu.review import services
from tidu.review.errors import ReviewError
from tidu.review.models import BatchRun, FormalReview, RecommendationList
from tidu.review.testing import put_on_sent_list
from tidu.review.tests.conftest import IN_WINDOW, TOO_LATE, login
from tidu.review.tests.lifecycle import drive_to

pytestmark = pytest.mark.django_db
LIST_OPERATIONS = ("create", "add", "edit", "reorder", "remove", "sign", "unsign", "send", "reopen")


class OneAuditRow:
    """Asserts that the block wrote exactly one AuditEntry (of any kind) and exposes it as ``entry``."""

    def __enter__(self):
        self.before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        rows = list(AuditEntry.objects.filter(pk__gt=self.before))
        assert len(rows) == 1, [(r.object_type, r.action) for r in rows]
        self.entry = rows[0]
        return False


def _expect(entry, *, actor, action, before, after, object_id=None):
    assert (entry.object_type, entry.action) == ("recommendation_list", action)
    assert (entry.actor, entry.actor_role) == (actor, actor.role)
    assert (entry.from_status, entry.to_status) == (before, after)
    if object_id is not None:
        assert entry.object_id == str(object_id)


def test_every_list_action_is_a_registered_operation():
    names = registered()
    for action in LIST_OPERATIONS:
        assert f"recommendation_list.{action}" in names
    assert "formal_review.decide" in names and "application.city_receive" in names


def test_each_list_operation_writes_exactly_one_audit_row(call, orgs, users, app_a, app_a2):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    drive_to(app_a2, State.TOWNSHIP_RECOMMENDED)
    town, city = users["x"], users["city"]
    with OneAuditRow() as step:
        rlist = services.list_for(call=call, unit=orgs["x"], user=town)
    _expect(step.entry, actor=town, action="create", before="draft", after="draft", object_id=rlist.pk)
    assert services.list_for(call=call, unit=orgs["x"], user=town) == rlist  # found, not created twice
    assert rlist.events.filter(action="create").count() == 1

    with OneAuditRow() as step:
        first, second = services.entries_add(rlist=rlist, applications=[app_a, app_a2], user=town, now=IN_WINDOW)
    _expect(step.entry, actor=town, action="add", before="draft", after="draft")
    assert step.entry.detail == {"entries": [
        {"application": app_a.pk, "enterprise": app_a.enterprise.name, "priority": 1},
        {"application": app_a2.pk, "enterprise": app_a2.enterprise.name, "priority": 2}]}

    with OneAuditRow() as step:
        assert services.entries_update(rlist=rlist, order=[second.pk, first.pk],
                                       opinions={first.pk: "同意推荐甲", second.pk: "同意推荐乙"}, user=town,
                                       now=IN_WINDOW)
    _expect(step.entry, actor=town, action="edit", before="draft", after="draft")
    assert step.entry.detail == {"opinions": [{"application": app_a.pk, "opinion": "同意推荐甲"},
                                              {"application": app_a2.pk, "opinion": "同意推荐乙"}],
                                 "order": [app_a2.enterprise.name, app_a.enterprise.name]}

    with OneAuditRow() as step:
        assert services.entries_update(rlist=rlist, order=[first.pk, second.pk], opinions={}, user=town,
                                       now=IN_WINDOW)
    _expect(step.entry, actor=town, action="reorder", before="draft", after="draft")
    assert step.entry.detail == {"order": [app_a.enterprise.name, app_a2.enterprise.name]}
    # nothing to change: no row at all
    count = AuditEntry.objects.count()
    assert services.entries_update(rlist=rlist, order=[first.pk, second.pk], opinions={first.pk: "同意推荐甲"},
                                   user=town, now=IN_WINDOW) is False
    assert AuditEntry.objects.count() == count

    with OneAuditRow() as step:
        services.entry_remove(rlist=rlist, entry_id=second.pk, user=town, now=IN_WINDOW)
    _expect(step.entry, actor=town, action="remove", before="draft", after="draft")
    assert step.entry.detail == {"application": app_a2.pk, "enterprise": app_a2.enterprise.name, "priority": 2}

    with OneAuditRow() as step:
        services.list_sign(rlist=rlist, user=town, now=IN_WINDOW)
    rlist.refresh_from_db()
    _expect(step.entry, actor=town, action="sign", before="draft", after="signed")
    assert step.entry.detail == {"snapshot_sha256": rlist.snapshot_sha256, "entries": 1}
    assert step.entry.content_sha256 == rlist.snapshot_sha256

    with OneAuditRow() as step:
        services.list_unsign(rlist=rlist, user=town, now=IN_WINDOW)
    _expect(step.entry, actor=town, action="unsign", before="signed", after="draft")

    services.list_sign(rlist=rlist, user=town, now=IN_WINDOW)
    with OneAuditRow() as step:
        services.list_send(rlist=rlist, user=town, now=IN_WINDOW)
    _expect(step.entry, actor=town, action="send", before="signed", after="sent")
    assert step.entry.detail["resend"] is False and step.entry.detail["entries"] == 1

    with OneAuditRow() as step:
        services.list_reopen(rlist=rlist, user=city, reason="  请补充  ", now=TOO_LATE)
    _expect(step.entry, actor=city, action="reopen", before="sent", after="reopened")
    assert step.entry.reason == "请补充" and step.entry.application_id is None

    # one event per operation, delivered on commit
    events = OutboxEvent.objects.filter(name="review.recommendation_list_changed")
    assert [e.payload["action"] for e in events] == ["create", "add", "edit", "reorder", "remove", "sign", "unsign",
                                                     "sign", "send", "reopen"]
    assert events.last().payload["audit_id"] == step.entry.pk


@pytest.fixture
def signed(call, orgs, users, app_a):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = services.entries_add(rlist=rlist, applications=[app_a], user=users["x"], now=IN_WINDOW)
    services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"],
                            now=IN_WINDOW)
    return services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)


@pytest.mark.parametrize("action", ["edit", "reorder", "add", "remove", "sign", "unsign", "send"])
@pytest.mark.parametrize("who", ["y", "city", "admin", "a", "expert"])
def test_township_actions_refuse_other_roles_and_units(action, who, signed, users):
    step = operation(f"recommendation_list.{action}", signed)
    verdict = step.check(users[who])
    assert not verdict and verdict.forbidden
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        step.execute(users[who])
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("who", ["x", "y", "admin", "a", "expert"])
def test_only_the_city_reopens(who, signed, users):
    step = ops.ReopenList(signed, reason="请修改")
    assert step.check(users[who]).forbidden
    with pytest.raises(PermissionDenied):
        step.execute(users[who])
    assert step.check(users["city"])


@pytest.mark.parametrize(("action", "message"), [
    ("edit", "推荐名单已签发，不能再修改（可先撤销签发）"),
    ("reorder", "推荐名单已签发，不能再修改（可先撤销签发）"),
    ("add", "推荐名单已签发，不能再修改（可先撤销签发）"),
    ("remove", "推荐名单已签发，不能再修改（可先撤销签发）"),
    ("sign", "推荐名单当前为“已签发，待报送”，不能签发"),
])
def test_a_signed_list_refuses_changes_in_chinese(action, message, signed, users):
    step = operation(f"recommendation_list.{action}", signed)
    verdict = step.check(users["x"])
    assert not verdict and not verdict.forbidden and verdict.reason == message
    before = AuditEntry.objects.count()
    with pytest.raises(ReviewError, match=message.replace("（", "\\（").replace("）", "\\）")):
        step.execute(users["x"])
    assert AuditEntry.objects.count() == before


def test_state_refusals_of_unsign_send_and_reopen(signed, users):
    services.list_send(rlist=signed, user=users["x"], now=IN_WINDOW)
    signed.refresh_from_db()
    assert ops.UnsignList(signed).check(users["x"]).reason == "推荐名单当前为“已报送市经信局”，不能撤销签发"
    assert ops.SendList(signed).check(users["x"]).reason == "推荐名单当前为“已报送市经信局”，不能重复报送"
    services.list_reopen(rlist=signed, user=users["city"], reason="退回", now=TOO_LATE)
    signed.refresh_from_db()
    with pytest.raises(ReviewError, match="不需要退回修改"):
        services.list_reopen(rlist=signed, user=users["city"], reason="再退回", now=TOO_LATE)
    with pytest.raises(ReviewError, match="须先签发"):
        services.list_send(rlist=signed, user=users["x"], now=TOO_LATE)


def test_the_deadline_is_part_of_check(signed, users):
    assert ops.SendList(signed, now=IN_WINDOW).check(users["x"])
    late = ops.SendList(signed, now=TOO_LATE).check(users["x"])
    assert not late and not late.forbidden and "乡镇推荐截止时间（2026年3月1日 24:00，北京时间）已过" in late.reason


# --- 受理: the list rule lives on the transition itself -------------------------------------------------------

def test_a_direct_transition_is_refused_off_a_sent_list(call, orgs, users, app_a):
    """Not through review.services: application_transition and the operation registry both obey the rule."""
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    city = users["city"]
    receive = operation("application.city_receive", app_a)
    assert receive.check(city).reason == "未列入所属单位的推荐名单，不能受理"
    before = app_a.events.count()
    with pytest.raises(application_services.ApplicationError, match="未列入所属单位的推荐名单，不能受理"):
        application_services.application_transition(application=app_a, action="city_receive", user=city)
    # on a list that is signed but not sent: still refused
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    entry, = services.entries_add(rlist=rlist, applications=[app_a], user=users["x"], now=IN_WINDOW)
    services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=users["x"],
                            now=IN_WINDOW)
    services.list_sign(rlist=rlist, user=users["x"], now=IN_WINDOW)
    assert operation("application.city_receive", app_a).check(city).reason == \
        "所属单位的推荐名单当前为“已签发，待报送”，报送后才能受理"
    with pytest.raises(application_services.ApplicationError, match="报送后才能受理"):
        application_services.application_transition(application=app_a, action="city_receive", user=city)
    app_a.refresh_from_db()
    assert app_a.status == State.TOWNSHIP_RECOMMENDED and app_a.events.count() == before
    # sent: the same direct call goes through, with one audit row on the application
    services.list_send(rlist=rlist, user=users["x"], now=IN_WINDOW)
    assert operation("application.city_receive", app_a).check(city)
    assert not operation("application.city_receive", app_a).check(users["x"])
    with OneAuditRow() as step:
        entry = application_services.application_transition(application=app_a, action="city_receive", user=city)
    assert step.entry == entry and (entry.action, entry.from_status, entry.to_status) == (
        "city_receive", State.TOWNSHIP_RECOMMENDED, State.RECEIVED)


# --- 形式审查 -------------------------------------------------------------------------------------------------

def test_a_formal_decision_writes_one_audit_row_the_transitions(users, app_a):
    drive_to(app_a, State.RECEIVED)
    with OneAuditRow() as step:
        review = services.formal_review_decide(application=app_a, user=users["city"], decision="formal_fail",
                                               reason="材料不全", now=IN_WINDOW)
    entry = step.entry
    assert (entry.object_type, entry.action, entry.from_status, entry.to_status, entry.actor, entry.reason) == (
        "application", "formal_fail", State.RECEIVED, State.FORMAL_FAILED, users["city"], "材料不全")
    assert review.audit_entry == entry and review.decision == "formal_fail" and review.items


@pytest.mark.parametrize("who", ["x", "a", "expert", "admin"])
def test_formal_review_is_the_citys(who, users, app_a):
    drive_to(app_a, State.RECEIVED)
    step = ops.FormalReviewDecision(app_a, decision="formal_fail", reason="x")
    assert step.check(users[who]).forbidden
    with pytest.raises(PermissionDenied):
        step.execute(users[who])
    assert not FormalReview.objects.exists()


def test_formal_review_refuses_the_wrong_state_in_chinese(users, app_a):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    step = ops.FormalReviewDecision(app_a, decision="formal_fail", reason="x")
    verdict = step.check(users["city"])
    assert not verdict and not verdict.forbidden
    assert verdict.reason == "申报当前状态为“乡镇已推荐，待报送推荐名单”，不能“形式审查不通过”"
    with pytest.raises(ReviewError, match="不能“形式审查不通过”"):
        step.execute(users["city"])
    with pytest.raises(ReviewError, match="未知的审查结论"):
        services.formal_review_decide(application=app_a, user=users["city"], decision="formal_maybe")


# --- batches -------------------------------------------------------------------------------------------------

def test_a_batch_records_each_item_and_a_refusal_does_not_stop_the_rest(call, orgs, users, app_a, app_a2, app_b):
    for application in (app_a, app_a2, app_b):
        drive_to(application, State.TOWNSHIP_RECOMMENDED)
    put_on_sent_list(app_a)
    put_on_sent_list(app_b)  # app_a2 (unit X) stays off the list
    before = AuditEntry.objects.filter(object_type="application").count()
    run = services.batch_run(applications=application_services.Application.objects.all(), action="city_receive",
                             user=users["city"])
    by_app = {row["application"]: row for row in run.results}
    assert (run.total, run.succeeded, run.failed) == (3, 2, 1)
    assert by_app[app_a2.pk] == {**by_app[app_a2.pk], "ok": False, "message": "未列入所属单位的推荐名单，不能受理",
                                 "from_status": State.TOWNSHIP_RECOMMENDED, "to_status": State.TOWNSHIP_RECOMMENDED}
    for application in (app_a, app_b):
        assert by_app[application.pk]["ok"] and by_app[application.pk]["to_status"] == State.RECEIVED
    assert AuditEntry.objects.filter(object_type="application").count() == before + 2  # one per item done

    # formal_fail over the received ones and one that is not: each item is its own FormalReview + one row
    run = services.batch_run(applications=application_services.Application.objects.all(), action="formal_fail",
                             user=users["city"], reason="材料不全")
    by_app = {row["application"]: row for row in run.results}
    assert (run.succeeded, run.failed) == (2, 1) and "不能“形式审查不通过”" in by_app[app_a2.pk]["message"]
    assert FormalReview.objects.filter(batch=True).count() == 2
    assert all(review.audit_entry.action == "formal_fail" for review in FormalReview.objects.all())
    assert BatchRun.objects.count() == 2


def test_a_batch_is_refused_as_a_whole_to_a_role_the_table_does_not_name(users):
    for who in ("x", "admin", "expert"):
        with pytest.raises(PermissionDenied):
            services.batch_run(applications=application_services.Application.objects.all(), action="city_receive",
                               user=users[who])
    assert not BatchRun.objects.exists()


def test_withdrawing_a_recommendation_writes_one_row_per_object(now_fixed, call, orgs, users, app_a):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    rlist = services.list_for(call=call, unit=orgs["x"], user=users["x"])
    services.entries_add(rlist=rlist, applications=[app_a], user=users["x"], now=IN_WINDOW)
    before = AuditEntry.objects.count()
    application_services.application_transition(application=app_a, action="township_withdraw_recommendation",
                                                user=users["x"], reason="企业要求")
    rows = list(AuditEntry.objects.order_by("pk")[before:].values_list("object_type", "action"))
    assert sorted(rows) == [("application", "township_withdraw_recommendation"), ("recommendation_list", "remove")]
    assert RecommendationList.objects.get().entries.count() == 0


@pytest.fixture
def now_fixed(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW + dt.timedelta(hours=1))


# --- pages ask the operations -----------------------------------------------------------------------------------

def test_list_page_buttons_follow_check(client, monkeypatch, signed, users):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)
    url = reverse("review:list_detail", args=[signed.pk])
    login(client, users["x"])
    page = client.get(url).content.decode()
    assert reverse("review:list_send", args=[signed.pk]) in page and "退回修改须" not in page
    assert 'name="reason"' not in page  # no reopen form for the township
    login(client, users["city"])
    page = client.get(url).content.decode()
    assert reverse("review:list_reopen", args=[signed.pk]) in page
    assert reverse("review:list_send", args=[signed.pk]) not in page
    # after the deadline the township still sees why it cannot send, with the buttons disabled
    monkeypatch.setattr(clock, "now", lambda: TOO_LATE)
    login(client, users["x"])
    page = client.get(url).content.decode()
    assert "乡镇推荐截止时间（2026年3月1日 24:00，北京时间）已过" in page
    assert page.count("disabled>") >= 2
    # the history names the action (labels from the lifecycle table)
    services.list_unsign(rlist=signed, user=users["x"], now=IN_WINDOW)
    assert "撤销签发" in client.get(url).content.decode()


def test_the_receive_button_is_shown_only_where_the_rule_allows(client, monkeypatch, call, orgs, users, app_a, app_a2):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    drive_to(app_a2, State.TOWNSHIP_RECOMMENDED)
    put_on_sent_list(app_a)
    login(client, users["city"])
    page = client.get(reverse("review:intake")).content.decode()
    assert reverse("review:receive", args=[app_a.pk]) in page
    assert reverse("review:receive", args=[app_a2.pk]) not in page
    login(client, users["admin"])  # may look, not act
    page = client.get(reverse("review:intake")).content.decode()
    assert reverse("review:receive", args=[app_a.pk]) not in page
