"""Who may change what in the notifications domain, as data (same form as ``tidu.accounts.lifecycle``).

One row: a person chooses the channels his own notices reach him through (in-app is always on). Every role
may, for his own account only (``operations.UpdateChannels.in_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from tidu.accounts.lifecycle import EVERY_ROLE


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


TRANSITIONS: tuple[Transition, ...] = (
    Transition("notifications.update_channels", gettext_noop("修改通知方式"), (), "", EVERY_ROLE),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}
