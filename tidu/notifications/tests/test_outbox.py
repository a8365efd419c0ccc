"""Notifications never disappear silently: a failure is logged, kept in the outbox and delivered once later."""

from __future__ import annotations

import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tidu.applications.workflow import State
from tidu.core.models import OutboxEvent
from tidu.notifications import channels, services
from tidu.notifications.events import NotificationRequested
from tidu.notifications.models import Notification
from tidu.review.tests.lifecycle import drive_to, transition

pytestmark = pytest.mark.django_db


def pending(name=NotificationRequested.name):
    return OutboxEvent.objects.filter(name=name, delivered_at__isnull=True)


def test_a_failing_notice_is_logged_kept_and_delivered_exactly_once(
        django_capture_on_commit_callbacks, app_a, users, monkeypatch, caplog):
    drive_to(app_a, State.SUBMITTED)

    def broken_save(self, *args, **kwargs):
        raise IntegrityError("injected: the notice cannot be stored")

    monkeypatch.setattr(Notification, "save", broken_save)
    with caplog.at_level(logging.ERROR, logger="tidu.events"), django_capture_on_commit_callbacks(execute=True):
        transition(app_a, "township_recommend", "township")
    app_a.refresh_from_db()
    assert app_a.status == State.TOWNSHIP_RECOMMENDED  # the decision stands
    assert not Notification.objects.exists()
    assert "failed; will retry" in caplog.text and "notifications.deliver" in caplog.text
    event, = pending()
    assert event.attempts == 1 and "IntegrityError" in event.last_error
    assert event.payload["kind"] == "application.township_recommend"

    monkeypatch.undo()
    out = io.StringIO()
    call_command("deliver_events", stdout=out)
    call_command("deliver_events", stdout=out)  # a second run delivers nothing twice
    notices = Notification.objects.filter(kind="application.township_recommend")
    assert [notice.recipient for notice in notices] == [users["a"]]
    assert not pending().exists()
    assert len([m for m in mail.outbox if "同意推荐" in m.subject]) == 1


def test_notify_is_durable_in_the_callers_transaction(django_capture_on_commit_callbacks, users, monkeypatch, caplog):
    calls = {"n": 0}
    original = Notification.save

    def flaky_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second recipient fails: nobody is mailed, the whole notice is retried
            raise IntegrityError("injected")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Notification, "save", flaky_save)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify([users["x"], users["city"]], kind="test", title="两人都应收到")
    assert not Notification.objects.exists() and mail.outbox == []
    assert pending().count() == 1
    monkeypatch.undo()
    call_command("deliver_events", stdout=io.StringIO())
    assert sorted(n.recipient.username for n in Notification.objects.all()) == ["city", "town_x"]
    assert len(mail.outbox) == len([u for u in (users["x"], users["city"]) if u.email])


def test_a_mail_outage_is_logged_not_fatal(django_capture_on_commit_callbacks, users, monkeypatch, caplog):
    def no_mail(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(channels, "send_mail", no_mail)
    users["x"].email = "x@example.com"
    users["x"].save()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.notify([users["x"]], kind="test", title="邮件发不出")
    notice = Notification.objects.get()
    assert notice.emailed is False and "could not email" in caplog.text
    assert not pending().exists()


def test_deliver_raises_an_unexpected_integrity_error_instead_of_swallowing_it(users, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("injected")

    monkeypatch.setattr(Notification, "save", broken_save)
    with pytest.raises(IntegrityError):
        services.deliver([users["x"]], kind="t", title="不能悄悄丢失")
