"""Notifying people: an in-app notice plus an e-mail, sent only once the surrounding transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidu.notifications import selectors
from tidu.notifications.models import Notification

logger = logging.getLogger(__name__)


def _absolute(link: str) -> str:
    """E-mails need a full address: prefix TIDU_SITE_URL (if configured) to a site-relative link."""
    base = getattr(settings, "TIDU_SITE_URL", "").rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def deliver(recipients: Iterable, *, kind: str, title: str, body: str = "", link: str = "", email: bool = True,
            dedupe_key: str = "") -> list[Notification]:
    """Create the notices (and send the e-mails) now; returns the notices created.

    A recipient who already has a notice with the same non-empty ``dedupe_key`` gets nothing (reminders).
    """
    created = []
    for user in recipients:
        if user is None or not user.is_active:
            continue
        try:
            with transaction.atomic():
                notice = Notification.objects.create(recipient=user, kind=kind, title=title, body=body,
                                                     link=link, dedupe_key=dedupe_key)
        except IntegrityError:
            continue  # this reminder was already sent to this person
        created.append(notice)
        if email and user.email:
            try:
                send_mail(f"【智能工厂申报】{title}", f"{body}\n\n{_absolute(link)}".strip(), None, [user.email])
                Notification.objects.filter(pk=notice.pk).update(emailed=True)
            except Exception:  # a mail outage must not undo the decision that was just taken
                logger.exception("could not e-mail notification %s to %s", notice.pk, user.pk)
    return created


def notify(recipients: Iterable, *, kind: str, title: str, body: str = "", link: str = "", email: bool = True,
           dedupe_key: str = "") -> None:
    """Tell ``recipients`` (users) about an event. Safe inside a transaction: nothing is sent if it rolls back."""
    recipients = [user for user in recipients if user is not None and user.is_active]
    if not recipients:
        return
    transaction.on_commit(lambda: deliver(recipients, kind=kind, title=title, body=body, link=link, email=email,
                                          dedupe_key=dedupe_key))


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count() if user.is_authenticated else 0


def mark_read(*, user, notification_id: int) -> Notification | None:
    """Mark one of the user's own notices read (another person's notice is simply not found)."""
    notice = selectors.notifications_visible_to(user).filter(pk=notification_id).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
