"""The audit trail is append-only; events are never lost: a failing subscriber is logged and retried."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tidu.core import events
from tidu.core.models import AppendOnlyError, AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def _entry(**kwargs):
    return AuditEntry.objects.create(object_type="organisation", object_id="1", action="test", **kwargs)


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm():
    entry = _entry(reason="原文")
    entry.reason = "改过"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="改过")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.reason == "原文"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_updates_and_deletes_of_audit_rows():
    from django.db import DatabaseError

    entry = _entry(reason="原文")
    for sql in ("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", "DELETE FROM core_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "原文"


@dataclasses.dataclass(frozen=True)
class Pinged(events.DomainEvent):
    name = "test.pinged"
    value: int


@pytest.fixture
def flaky_subscriber():
    state = {"fail": True, "seen": []}

    def handler(event, event_id):
        if state["fail"]:
            raise RuntimeError("mail server down")
        state["seen"].append((event.value, event_id))

    steady = []
    events.subscribe(Pinged, handler, key="test.flaky")
    events.subscribe(Pinged, lambda event, event_id: steady.append(event.value), key="test.steady")
    state["steady"] = steady
    yield state
    events._SUBSCRIBERS.pop(Pinged.name, None)


def test_a_failing_subscriber_is_logged_kept_pending_and_delivered_once_on_retry(
        flaky_subscriber, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="tidu.events"), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_id = events.publish(Pinged(value=7))
    row = OutboxEvent.objects.get(pk=event_id)
    assert row.delivered_at is None and row.delivered_to == ["test.steady"] and "mail server down" in row.last_error
    assert any("test.flaky failed" in record.getMessage() for record in caplog.records)
    assert flaky_subscriber["steady"] == [7]

    flaky_subscriber["fail"] = False
    call_command("deliver_events")
    call_command("deliver_events")  # nothing left: the steady subscriber is not called twice either
    row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 2
    assert flaky_subscriber["seen"] == [(7, event_id)] and flaky_subscriber["steady"] == [7]


def test_an_event_of_a_rolled_back_change_is_never_delivered(flaky_subscriber, django_capture_on_commit_callbacks):
    flaky_subscriber["fail"] = False
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError):
        with transaction.atomic():
            events.publish(Pinged(value=1))
            raise ValueError
    assert not OutboxEvent.objects.exists() and flaky_subscriber["seen"] == []
