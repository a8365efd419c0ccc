"""Errors of the accounts domain; ``message`` is shown to the user as it is (Chinese)."""

from __future__ import annotations

from tidu.core.errors import TiduError


class AccountsError(TiduError):
    """A refused change of an account or an organisation."""
