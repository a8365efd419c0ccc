"""Notifying people: an in-app notice plus the channels each person chose (e-mail, SMS: tidu.notifications.channels),
sent through the outbox once the caller's transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidu.accounts.models import User
from tidu.core.compiled import CompiledQuery
from tidu.core.events import publish
from tidu.notifications import channels, messages, selectors
from tidu.notifications.events import NotificationRequested
from tidu.notifications.models import Notification


def _texts(title, body, i18n: dict | None = None) -> tuple[str, str, dict]:
    """(Chinese title, Chinese body, source sentences) for plain text or ``messages.text`` sentences."""
    if messages.structured(title) or messages.structured(body):
        return messages.in_chinese(title), messages.in_chinese(body), {"title": title, "body": body}
    return title, body, i18n or {}


def deliver(recipients: Iterable, *, kind: str, title, body="", link: str = "", email: bool = True,
            dedupe_key: str = "", i18n: dict | None = None) -> list[Notification]:
    """Create the notices (then send the e-mails) now; returns the notices created.

    A recipient who already has a notice with the same non-empty ``dedupe_key`` gets nothing (reminders, and a
    retried delivery). Any other database error is raised, never swallowed: the caller (the outbox) logs it
    and retries. The outside channels each person chose (e-mail, SMS: ``channels.dispatch``) run only after
    every notice is written, so a retry does not mail anyone twice; ``email=False`` keeps the notice in-app.
    """
    title, body, i18n = _texts(title, body, i18n)
    created = []
    for user in recipients:
        if user is None or not user.is_active:
            continue
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue  # already sent to this person
        try:
            with transaction.atomic():
                notice = Notification.objects.create(recipient=user, kind=kind, title=title, body=body,
                                                     link=link, dedupe_key=dedupe_key, i18n=i18n)
        except IntegrityError:
            if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
                continue  # a concurrent run sent it first
            raise
        created.append(notice)
    if email:
        channels.dispatch(created)
    return created


def notify(recipients: Iterable, *, kind: str, title, body="", link: str = "", email: bool = True,
           dedupe_key: str = "") -> None:
    """Tell ``recipients`` (users) about something, durably.

    Publishes a ``NotificationRequested`` event inside the caller's transaction (the outbox): nothing is sent
    if that rolls back; once it commits the notices are created and the e-mails sent. A failure to notify is
    logged and retried by ``tidu deliver_events``; it never undoes the caller's action and is never lost.

    ``title`` and ``body`` are Chinese text, or sentences made with ``messages.text`` (a body may be a list of
    them, one per line): those are stored in Chinese for the e-mail and SMS, and shown on the notices page in
    the reader's language.
    """
    title, body, i18n = _texts(title, body)
    ids = [user.pk for user in recipients if user is not None and user.is_active]
    if not ids:
        return
    publish(NotificationRequested(recipient_ids=ids, kind=kind, title=title, body=body, link=link, email=email,
                                  dedupe_key=dedupe_key, i18n=i18n))


def on_notification_requested(event: NotificationRequested, event_id: int) -> None:
    """The outbox subscriber: create the notices; idempotent on retry (the event id is the de-duplication key
    when the caller gave none)."""
    users = User.objects.in_bulk(event.recipient_ids)
    deliver([users[pk] for pk in event.recipient_ids if pk in users], kind=event.kind, title=event.title,
            body=event.body, link=event.link, email=event.email, dedupe_key=event.dedupe_key or f"event:{event_id}",
            i18n=event.i18n)


# Every page's header shows the count: its SQL is compiled once (tidu.core.compiled), not per request.
_UNREAD = CompiledQuery(lambda user_id: Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
                        .order_by().values_list("pk"))


def unread_count(user) -> int:
    return _UNREAD.count(user.pk) if user.is_authenticated else 0


def mark_read(*, user, notification_id: int) -> Notification | None:
    """Mark one of the user's own notices read (another person's notice is simply not found)."""
    notice = selectors.notifications_visible_to(user).filter(pk=notification_id).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
