"""Errors of the notifications domain; ``message`` is shown to the user as it is (Chinese)."""

from __future__ import annotations

from tidu.core.errors import TiduError


class NotificationsError(TiduError):
    """A refused change of how someone is notified."""
