"""Notifying people: an in-app notice plus an e-mail, sent only once the surrounding transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from tidu.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(recipients: Iterable, *, kind: str, title: str, body: str = "", link: str = "", email: bool = True,
           dedupe_key: str = "") -> None:
    """Tell ``recipients`` (users) about an event. Safe inside a transaction: nothing is sent if it rolls back."""
    recipients = [user for user in recipients if user is not None and user.is_active]
    if not recipients:
        return

    def deliver():
        for user in recipients:
            try:
                with transaction.atomic():
                    notice = Notification.objects.create(recipient=user, kind=kind, title=title, body=body,
                                                         link=link, dedupe_key=dedupe_key)
            except IntegrityError:
                continue  # this reminder was already sent to this person
            if email and user.email:
                try:
                    send_mail(f"【智能工厂申报】{title}", f"{body}\n\n{link}".strip(), None, [user.email])
                    Notification.objects.filter(pk=notice.pk).update(emailed=True)
                except Exception:  # a mail outage must not undo the decision that was just taken
                    logger.exception("could not e-mail notification %s to %s", notice.pk, user.pk)

    transaction.on_commit(deliver)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count() if user.is_authenticated else 0
