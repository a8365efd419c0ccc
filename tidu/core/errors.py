"""The one error base class: a refused operation whose ``message`` is shown to the user as it is (Chinese).

Every domain's own error (ApplicationError, ReviewError, …) derives from it, so a view, the API or a
command can catch ``TiduError`` alone and show ``message`` and ``details``.
"""

from __future__ import annotations


class TiduError(Exception):
    def __init__(self, message: str, details: list[str] | None = None):
        self.message = message
        self.details = list(details or [])
        super().__init__(message)

    def __str__(self) -> str:
        return self.message if not self.details else f"{self.message}{'；'.join(self.details)}"


class Refused(TiduError):
    """``check(user)`` said no: the user may not do this now (role, organisation or state). Shown as 403."""
