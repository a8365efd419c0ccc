"""Who may see a notification: only its recipient (anyone else's is simply not found)."""

from __future__ import annotations

from django.db.models import QuerySet

from tidu.notifications.models import Delivery, Notification


def notifications_visible_to(user) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def can_view_notification(user, notification: Notification) -> bool:
    return user is not None and user.is_authenticated and notification.recipient_id == user.pk


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    """The e-mail and SMS deliveries of the user's own notices (to see what was sent and what failed)."""
    if user is None or not user.is_authenticated:
        return Delivery.objects.none()
    return Delivery.objects.filter(notification__recipient=user)
