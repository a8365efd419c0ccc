"""Typed domain events, delivered on commit through an outbox, retried until every subscriber has them.

A domain declares its events as frozen dataclasses deriving from ``DomainEvent`` (fields: ids, strings,
numbers — what JSON holds). An operation publishes them inside its transaction; other domains subscribe in
their ``AppConfig.ready`` instead of importing each other's internals::

    subscribe(ApplicationTransitioned, notify_officers, key="notifications.application_transitioned")

Delivery: ``publish`` writes an ``OutboxEvent`` row (atomic with the change) and asks for delivery on commit.
Each subscriber runs in its own savepoint; one that raises is logged with the event id, and the event stays
pending for it alone (``deliver_pending``, run by ``tidu deliver_events``, retries). A rolled-back change
leaves no event. Subscribers must therefore be idempotent per (event, subscriber) — the notification
subscriber uses the event id as its de-duplication key.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone

from tidu.core.request_id import current_request_id

logger = logging.getLogger("tidu.events")

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}
_SUBSCRIBERS: dict[str, list[tuple[str, Callable[..., Any]]]] = {}


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event; subclasses set ``name`` (e.g. "application.transitioned") and declare fields."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            _EVENT_TYPES[cls.name] = cls

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DomainEvent:
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


def subscribe(event_type: type[DomainEvent], handler: Callable[[DomainEvent, int], Any], *, key: str) -> None:
    """Call ``handler(event, event_id)`` after every committed ``event_type``; ``key`` names the subscriber."""
    handlers = _SUBSCRIBERS.setdefault(event_type.name, [])
    if all(existing != key for existing, _ in handlers):
        handlers.append((key, handler))


def subscribers(event_name: str) -> list[tuple[str, Callable[..., Any]]]:
    return list(_SUBSCRIBERS.get(event_name, ()))


def publish(event: DomainEvent) -> int:
    """Record ``event`` in the current transaction; it is delivered when (and only if) that commits."""
    from tidu.core.models import OutboxEvent

    if not event.name:
        raise TypeError(f"{type(event).__name__} has no event name")
    row = OutboxEvent.objects.create(name=event.name, payload=event.payload(), request_id=current_request_id())
    transaction.on_commit(lambda: deliver(row.pk))
    return row.pk


def deliver(event_id: int) -> bool:
    """Give one event to every subscriber that has not had it yet; True when all have."""
    from tidu.core.models import OutboxEvent

    with transaction.atomic():
        row = OutboxEvent.objects.select_for_update().filter(pk=event_id, delivered_at__isnull=True).first()
        if row is None:
            return True
        event_type = _EVENT_TYPES.get(row.name)
        if event_type is None:
            logger.error("event %s: unknown event type %r, left pending", row.pk, row.name)
            return False
        event = event_type.from_payload(row.payload)
        done = list(row.delivered_to)
        errors = []
        for key, handler in subscribers(row.name):
            if key in done:
                continue
            try:
                with transaction.atomic():
                    handler(event, row.pk)
            except Exception as exc:  # a subscriber's failure must neither undo the change nor lose the event
                logger.exception("event %s (%s): subscriber %s failed; will retry", row.pk, row.name, key)
                errors.append(f"{key}: {type(exc).__name__}: {exc}")
                continue
            done.append(key)
        row.delivered_to = done
        row.attempts += 1
        row.last_error = "\n".join(errors)[:4000]
        if not errors:
            row.delivered_at = timezone.now()
        row.save(update_fields=["delivered_to", "attempts", "last_error", "delivered_at"])
        return not errors


def deliver_pending(limit: int = 1000) -> tuple[int, int]:
    """Retry events not yet delivered to all their subscribers. Returns (delivered now, still pending)."""
    from tidu.core.models import OutboxEvent

    ids = list(OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id").values_list("pk", flat=True)[:limit])
    delivered = sum(1 for event_id in ids if deliver(event_id))
    return delivered, len(ids) - delivered


# --- other retries run with the outbox's (e.g. a failed SMS): registered in an AppConfig.ready ---------------

_RETRIES: dict[str, Callable[[], tuple[int, int]]] = {}


def register_retry(key: str, retry: Callable[[], tuple[int, int]]) -> None:
    """``retry()`` runs with every ``tidu deliver_events`` and returns (succeeded now, still failing)."""
    _RETRIES[key] = retry


def run_retries() -> dict[str, tuple[int, int]]:
    results = {}
    for key, retry in _RETRIES.items():
        try:
            results[key] = retry()
        except Exception:  # one retry's failure must not stop the others
            logger.exception("retry %s failed", key)
    return results
