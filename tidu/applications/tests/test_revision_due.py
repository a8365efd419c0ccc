"""补正期限: a return for revision carries a due date (default from the call, counted in working days with the
city's calendar, editable with a reason); until its end the enterprise may resubmit even after the window
closed, after it not; reminders before it, the returning reviewers told after it; every page says until when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.applications import services
from tidu.applications.errors import ApplicationError
from tidu.applications.tests.conftest import BEIJING, login, submit_now
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry
from tidu.core.operations import allowed
from tidu.notifications.models import Notification
from tidu.notifications.reminders import send_deadline_reminders
from tidu.publicity.models import CalendarDay

pytestmark = pytest.mark.django_db

RETURN_DAY = "2026-03-20T10:00:00+08:00"  # a Friday, after the call's window closed (15 March)
# 10 working days (the test call's setting, testing.TEST_REVISION_DAYS) after Friday 20 March: Friday 3 April.
DEFAULT_DUE = dt.date(2026, 4, 3)


@pytest.fixture
def returned_a(app_a, users, settings):
    submit_now(app_a, users["a"], key="submit-a")
    settings.TIDU_NOW = RETURN_DAY
    build.transition(app_a, "township_return", "township")
    return app_a


def _return_row(application):
    return AuditEntry.objects.filter(application_id=application.pk, action="township_return").get()


def test_a_return_takes_the_calls_default_due_date_in_working_days(returned_a):
    assert returned_a.status == State.RETURNED and returned_a.revision_due == DEFAULT_DUE
    row = _return_row(returned_a)
    assert row.detail["revision_due"] == "2026-04-03" and row.detail["revision_due_default"] == "2026-04-03"


def test_the_citys_holidays_move_the_default(app_a, users, settings):
    CalendarDay.objects.create(date=dt.date(2026, 3, 30), kind=CalendarDay.Kind.HOLIDAY, created_by=users["city"])
    submit_now(app_a, users["a"], key="submit-a")
    settings.TIDU_NOW = RETURN_DAY
    build.transition(app_a, "township_return", "township")
    assert app_a.revision_due == dt.date(2026, 4, 6)


def test_an_edited_due_date_at_return_needs_a_reason_which_is_audited(app_a, users, settings):
    submit_now(app_a, users["a"], key="submit-a")
    settings.TIDU_NOW = RETURN_DAY
    with pytest.raises(ApplicationError, match="与默认的2026年4月3日不同，请说明调整理由"):
        build.transition(app_a, "township_return", "township", due_date=dt.date(2026, 4, 10))
    with pytest.raises(ApplicationError, match="不能早于今天"):
        build.transition(app_a, "township_return", "township", due_date=dt.date(2026, 3, 19), due_reason="x")
    build.transition(app_a, "township_return", "township", due_date=dt.date(2026, 4, 10),
                     due_reason="企业需补做第三方检测")
    assert app_a.revision_due == dt.date(2026, 4, 10)
    row = _return_row(app_a)
    assert row.detail["revision_due"] == "2026-04-10" and row.detail["revision_due_default"] == "2026-04-03"
    assert row.detail["revision_due_reason"] == "企业需补做第三方检测"


def test_without_a_default_the_official_must_enter_the_date(app_a, users, settings, call):
    call.revision_working_days = None
    call.save()
    submit_now(app_a, users["a"], key="submit-a")
    settings.TIDU_NOW = RETURN_DAY
    with pytest.raises(ApplicationError, match="请填写补正期限"):
        build.transition(app_a, "township_return", "township")
    build.transition(app_a, "township_return", "township", due_date=dt.date(2026, 4, 1))
    assert app_a.revision_due == dt.date(2026, 4, 1)


def test_the_returning_reviewer_changes_the_due_date_later_with_a_reason(returned_a, users, client):
    with pytest.raises(ApplicationError, match="须说明理由"):
        services.revision_due_change(application=returned_a, user=users["x"], due_date=dt.date(2026, 4, 17),
                                     reason="")
    assert not allowed("application.revision_due_change", returned_a, users["city"])  # the township returned it
    login(client, users["x"])
    response = client.post(reverse("applications:revision_due", args=[returned_a.pk]),
                           {"revision_due": "2026-04-17", "reason": "企业申请延期，同意"})
    assert response.status_code == 302
    returned_a.refresh_from_db()
    assert returned_a.revision_due == dt.date(2026, 4, 17)
    row = AuditEntry.objects.filter(application_id=returned_a.pk, action="revision_due_change").get()
    assert row.reason == "企业申请延期，同意" and row.actor == users["x"]
    assert row.detail == {"revision_due_from": "2026-04-03", "revision_due": "2026-04-17"}
    page = client.get(reverse("applications:review", args=[returned_a.pk])).content.decode()
    assert "2026年4月17日" in page and "调整补正期限" in page


def test_resubmission_after_the_window_is_accepted_until_the_due_date(returned_a, users):
    submission = services.application_submit(application=returned_a, user=users["a"], idempotency_key="re-1",
                                             now=dt.datetime(2026, 4, 3, 23, 59, tzinfo=BEIJING))
    returned_a.refresh_from_db()
    assert returned_a.status == State.SUBMITTED and returned_a.revision_due is None
    timing = next(f for f in submission.verdict["findings"] if f["clause"] == "申报时间")
    assert timing["result"] == "pass"  # the 申报 was made in time: its first submission


def test_resubmission_after_the_due_date_is_refused_with_the_date(returned_a, users):
    with pytest.raises(ApplicationError) as refused:
        services.application_submit(application=returned_a, user=users["a"], idempotency_key="re-1",
                                    now=dt.datetime(2026, 4, 4, 0, 0, 1, tzinfo=BEIJING))
    assert any("补正期限2026年4月3日已过" in detail for detail in refused.value.details)
    returned_a.refresh_from_db()
    assert returned_a.status == State.RETURNED


def test_pages_say_until_when(returned_a, users, client):
    login(client, users["a"])
    for url in (reverse("applications:status", args=[returned_a.pk]), reverse("applications:home"),
                reverse("applications:submit", args=[returned_a.pk])):
        assert "请于2026年4月3日前完成补正并重新提交" in client.get(url).content.decode(), url
    login(client, users["x"])
    assert "补正期限：2026年4月3日" in client.get(reverse("applications:unit_list")).content.decode()
    review = client.get(reverse("applications:review", args=[returned_a.pk])).content.decode()
    assert "企业须于2026年4月3日前完成补正并重新提交" in review


def test_reminders_before_the_due_date_once_and_the_township_told_after(returned_a, users, settings):
    def notices(user, kind):
        return list(Notification.objects.filter(recipient=user, kind=kind))

    send_deadline_reminders(dt.date(2026, 3, 27))  # 5 working days left: nothing yet
    assert notices(users["a"], "reminder.revision_due") == []
    send_deadline_reminders(dt.date(2026, 3, 31))  # 3 working days left
    send_deadline_reminders(dt.date(2026, 3, 31))
    assert len(notices(users["a"], "reminder.revision_due")) == 1
    send_deadline_reminders(dt.date(2026, 4, 2))  # the day before
    send_deadline_reminders(dt.date(2026, 4, 3))
    reminders = notices(users["a"], "reminder.revision_due")
    assert len(reminders) == 2 and "请于2026年4月3日前完成补正并重新提交" in reminders[-1].title
    assert notices(users["x"], "reminder.revision_lapsed") == []
    send_deadline_reminders(dt.date(2026, 4, 4))
    send_deadline_reminders(dt.date(2026, 4, 5))
    lapsed = notices(users["x"], "reminder.revision_lapsed")
    assert len(lapsed) == 1 and "2026年4月3日" in lapsed[0].body
    assert notices(users["city"], "reminder.revision_lapsed") == []  # the township returned it


def test_after_the_due_date_the_township_may_decide(returned_a, users, settings):
    assert not allowed("application.township_not_recommend", returned_a, users["x"])
    settings.TIDU_NOW = "2026-04-04T09:00:00+08:00"
    assert allowed("application.township_not_recommend", returned_a, users["x"])
    assert not allowed("application.formal_fail", returned_a, users["city"])  # not the city's return
    build.transition(returned_a, "township_not_recommend", "township", reason="逾期未补正")
    assert returned_a.status == State.TOWNSHIP_NOT_RECOMMENDED and returned_a.revision_due is None


def test_the_city_decides_on_its_own_lapsed_return_from_the_application_page(app_a, users, client):
    application = build.lapsed_return(app_a, State.RECEIVED)
    login(client, users["city"])
    url = reverse("applications:review", args=[application.pk])
    page = client.get(url).content.decode()
    assert "已过，企业尚未重新提交" in page and 'value="formal_fail"' in page
    response = client.post(url, {"action": "formal_fail", "reason": "逾期未补正，材料仍不齐全"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == State.FORMAL_FAILED
    row = AuditEntry.objects.filter(application_id=application.pk, action="formal_fail").get()
    assert row.from_status == State.RETURNED and row.reason == "逾期未补正，材料仍不齐全"


def test_the_return_form_offers_the_default_and_names_its_source(submitted_a, users, client, settings):
    settings.TIDU_NOW = RETURN_DAY
    login(client, users["x"])
    page = client.get(reverse("applications:review", args=[submitted_a.pk])).content.decode()
    assert 'name="revision_due"' in page and 'value="2026-04-03"' in page
    assert "退回之日后 10 个工作日，市经信局设定" in page
