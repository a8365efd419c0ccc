"""Deadline reminders at 7, 3 and 1 days before each deadline, deduplicated and caught up after a missed day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tidu.applications.workflow import State
from tidu.notifications.models import Notification
from tidu.notifications.reminders import send_deadline_reminders, stage_for
from tidu.notifications.tasks import send_reminders_task
from tidu.review import services as review_services
from tidu.review.tests.conftest import IN_WINDOW
from tidu.review.tests.lifecycle import drive_to

pytestmark = pytest.mark.django_db
D = dt.date


def test_stages():
    assert [stage_for(n) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8, -1)] == [None, 1, 3, 3, 7, 7, 7, 7, None, None]


@pytest.fixture
def situation(call, orgs, users, app_a, app_a2, app_b):
    """a: a draft; a2: returned for revision (with its own 补正期限); b: submitted. Unit Y has sent its list,
    unit X has not."""
    drive_to(app_a2, State.RETURNED)
    drive_to(app_b, State.TOWNSHIP_RECOMMENDED)
    rlist = review_services.list_for(call=call, unit=orgs["y"], user=users["y"])
    entry, = review_services.entries_add(rlist=rlist, applications=[app_b], user=users["y"], now=IN_WINDOW)
    review_services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意"}, user=users["y"],
                                   now=IN_WINDOW)
    review_services.list_sign(rlist=rlist, user=users["y"], now=IN_WINDOW)
    review_services.list_send(rlist=rlist, user=users["y"], now=IN_WINDOW)
    return {"draft": app_a, "returned": app_a2, "submitted": app_b}


def window_notices():
    return Notification.objects.filter(kind="reminder.window_closes")


def township_notices():
    return Notification.objects.filter(kind="reminder.township_deadline")


def test_window_reminders_at_7_3_and_1_days(situation, users):
    # the window closes at the end of 15 March
    sent_on = {}
    for day in range(1, 17):
        before = window_notices().count()
        send_deadline_reminders(D(2026, 3, day))
        sent_on[day] = window_notices().count() - before
    assert {day: n for day, n in sent_on.items() if n} == {8: 1, 12: 1, 14: 1}
    recipients = set(window_notices().values_list("recipient__username", flat=True))
    # the draft; not the submitted one, nor the returned one (reminded of its 补正期限 instead, see
    # tidu/applications/tests/test_revision_due.py)
    assert recipients == {"ent_a"}
    draft = window_notices().filter(recipient=users["a"]).order_by("created_at")
    assert [n.title for n in draft] == ["申报截止还剩 7 天，您的申报尚未提交", "申报截止还剩 3 天，您的申报尚未提交",
                                        "申报截止还剩 1 天，您的申报尚未提交"]
    assert "2026年3月15日 24:00" in draft[0].body


def test_township_reminders_go_to_units_that_have_not_sent(situation, users):
    for day in (D(2026, 2, 22), D(2026, 2, 23), D(2026, 2, 26), D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 2)):
        send_deadline_reminders(day)
    notices = township_notices()
    assert set(notices.values_list("recipient__username", flat=True)) == {"town_x"}
    assert [n.title for n in notices.order_by("created_at")] == [
        "乡镇推荐截止还剩 7 天，推荐名单尚未报送", "乡镇推荐截止还剩 3 天，推荐名单尚未报送",
        "乡镇推荐截止还剩 1 天，推荐名单尚未报送"]
    assert "尚未建立" in notices.first().body and "2026年3月1日 24:00" in notices.first().body


def test_running_twice_a_day_sends_nothing_twice(situation):
    first = send_deadline_reminders(D(2026, 3, 8))
    second = send_deadline_reminders(D(2026, 3, 8))
    assert first.sent == 1 and second.sent == 0
    assert window_notices().count() == 1


def test_a_missed_day_is_caught_up_but_never_repeated(situation):
    assert send_deadline_reminders(D(2026, 3, 10)).sent == 1  # 5 days left: the 7-day reminder had not gone out
    assert send_deadline_reminders(D(2026, 3, 11)).sent == 0
    assert send_deadline_reminders(D(2026, 3, 13)).sent == 1  # 2 days left: the 3-day one
    assert send_deadline_reminders(D(2026, 3, 14)).sent == 1


def test_the_command_and_the_task(situation):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-03-08", stdout=out)
    assert "共发送提醒 1 条" in out.getvalue() and "企业申报截止提醒（7 天档）1 条" in out.getvalue()
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-03-08", stdout=out)
    assert "共发送提醒 0 条" in out.getvalue()
    assert send_reminders_task.call("2026-03-12")["sent"] == 1
    with pytest.raises(Exception, match="日期"):
        call_command("send_reminders", "--date", "3月8日", stdout=io.StringIO())
