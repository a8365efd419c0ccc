"""The notifications domain's own event: somebody must be told something (see services.notify)."""

from __future__ import annotations

import dataclasses

from tidu.core.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class NotificationRequested(DomainEvent):
    """Published by ``notify()`` inside the caller's transaction; the notices are created once it commits."""

    name = "notifications.requested"

    recipient_ids: list
    kind: str
    title: str
    body: str = ""
    link: str = ""
    email: bool = True
    dedupe_key: str = ""
    # The source sentences (notifications.messages) for display in the reader's language; {} for plain text.
    i18n: dict = dataclasses.field(default_factory=dict)
