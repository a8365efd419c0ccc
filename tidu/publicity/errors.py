"""Errors of the 公示 domain. ``message`` (and ``details``) are shown to the user as they are (Chinese)."""

from __future__ import annotations

from tidu.core.errors import TiduError


class PublicityError(TiduError):
    """A refused 公示, objection, 认定 or calendar operation."""


class ObjectionClosed(PublicityError):
    pass


class ObjectionRateLimited(PublicityError):
    pass


class AttachmentRejected(PublicityError):
    pass
