"""The channels a notice reaches people through: in-app (always), e-mail and SMS (each person's choice).

``services.deliver`` writes the in-app ``Notification`` rows, then hands them to ``dispatch``: for every outside
channel the recipient chose and has an address for, one ``Delivery`` row (pending) and one attempt. A channel
that fails marks its own row ``failed`` with the error, is logged, and never stops the other channels or the
other recipients; ``retry_failed`` (run by ``tidu deliver_events``) tries it again, up to
``TIDU_NOTIFY_MAX_ATTEMPTS`` times. Each person's choice is a ``ChannelPreference`` row (no row: defaults).

A new channel is a subclass of ``Channel`` added with ``register_channel``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tidu.notifications import sms
from tidu.notifications.models import ChannelPreference, Delivery, Notification

logger = logging.getLogger("tidu.notifications")


def preference_for(user) -> ChannelPreference:
    """The user's saved choice, or the defaults (unsaved) when he never chose."""
    try:
        return user.channel_preference
    except ChannelPreference.DoesNotExist:
        return _default_preference(user)


def _default_preference(user) -> ChannelPreference:
    mobile = ""
    try:
        mobile = sms.clean_mobile(user.phone or "")
    except ValidationError:
        pass
    return ChannelPreference(user=user, mobile=mobile)


def preferences_for(users: Iterable) -> dict[int, ChannelPreference]:
    """Each user's choice (or the defaults), read in one query for the whole batch of recipients."""
    users = {user.pk: user for user in users}
    saved = {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=list(users))}
    return {pk: saved.get(pk) or _default_preference(user) for pk, user in users.items()}


def _absolute(link: str) -> str:
    """E-mails need a full address: prefix TIDU_SITE_URL (if configured) to a site-relative link."""
    base = getattr(settings, "TIDU_SITE_URL", "").rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


class Channel:
    key: str = ""
    label = ""
    always = False  # in-app: cannot be switched off

    def address(self, user, preference: ChannelPreference) -> str:
        """Where to send for this user ("" = not chosen, or no address)."""
        raise NotImplementedError

    def send(self, notice: Notification, address: str) -> int:
        """Send; raise on failure. Returns the number of messages billed (SMS segments; 1 otherwise)."""
        raise NotImplementedError


class InAppChannel(Channel):
    key, label, always = "in_app", _("站内通知"), True

    def address(self, user, preference) -> str:
        return str(user.pk)

    def send(self, notice, address) -> int:
        return 1  # the Notification row is the in-app notice


class EmailChannel(Channel):
    key, label = "email", _("电子邮件")

    def address(self, user, preference) -> str:
        return user.email if preference.email and user.email else ""

    def send(self, notice, address) -> int:
        send_mail(f"【智能工厂申报】{notice.title}", f"{notice.body}\n\n{_absolute(notice.link)}".strip(), None,
                  [address])
        Notification.objects.filter(pk=notice.pk).update(emailed=True)
        notice.emailed = True
        return 1


class SmsChannel(Channel):
    key, label = "sms", _("短信")

    def address(self, user, preference) -> str:
        return preference.mobile if preference.sms and preference.mobile else ""

    def send(self, notice, address) -> int:
        message = sms.SmsMessage(mobile=address, text=sms.compose(notice.title))
        sms.get_backend().send(message)
        return message.segments


CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    CHANNELS[channel.key] = channel


for _channel in (InAppChannel(), EmailChannel(), SmsChannel()):
    register_channel(_channel)


def outside_channels() -> list[Channel]:
    return [channel for channel in CHANNELS.values() if not channel.always]


def attempt(delivery: Delivery, notice: Notification | None = None) -> bool:
    """Try one delivery once; record the outcome on its row. Never raises."""
    channel = CHANNELS.get(delivery.channel)
    notice = notice or delivery.notification
    delivery.attempts += 1
    try:
        if channel is None:
            raise LookupError(f"unknown channel {delivery.channel!r}")
        delivery.segments = channel.send(notice, delivery.address)
    except Exception as error:  # one channel's outage must not stop the others, nor undo anything
        logger.exception("could not %s notification %s to user %s", delivery.channel, notice.pk,
                         notice.recipient_id)
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        delivery.save(update_fields=["attempts", "status", "last_error"])
        return False
    delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, timezone.now(), ""
    delivery.save(update_fields=["attempts", "status", "segments", "sent_at", "last_error"])
    return True


def dispatch(notices: Iterable[Notification]) -> None:
    """Send the notices through every outside channel their recipients chose (each once: a notice already
    delivered on a channel is not sent there again)."""
    notices = list(notices)
    preferences = preferences_for(notice.recipient for notice in notices)  # one query, not one per person
    for notice in notices:
        preference = preferences[notice.recipient_id]
        for channel in outside_channels():
            address = channel.address(notice.recipient, preference)
            if not address:
                continue
            delivery, created = Delivery.objects.get_or_create(notification=notice, channel=channel.key,
                                                               defaults={"address": address})
            if created or delivery.status != Delivery.Status.SENT:
                attempt(delivery, notice)


def retry_failed(limit: int = 1000) -> tuple[int, int]:
    """Try again the deliveries that failed (up to TIDU_NOTIFY_MAX_ATTEMPTS). Returns (sent now, still failing).

    Each row is locked while it is tried (rows another run holds are skipped), and only rows already tried
    once are taken, so a delivery being sent right now is never sent twice."""
    ids = list(Delivery.objects.filter(status=Delivery.Status.FAILED,
                                       attempts__lt=settings.TIDU_NOTIFY_MAX_ATTEMPTS)
               .order_by("id").values_list("pk", flat=True)[:limit])
    sent = failed = 0
    for pk in ids:
        with transaction.atomic():
            delivery = (Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(pk=pk, status=Delivery.Status.FAILED).select_related("notification__recipient")
                        .first())
            if delivery is None:
                continue
            if attempt(delivery):
                sent += 1
            else:
                failed += 1
    return sent, failed
