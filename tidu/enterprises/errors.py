"""Errors of the enterprises domain; ``message`` is shown to the user as it is (Chinese).

Bad values of a form field are still Django ``ValidationError`` keyed by the field (the forms show them
next to it); a refused change of state is an ``EnterpriseError``.
"""

from __future__ import annotations

from tidu.core.errors import TiduError


class EnterpriseError(TiduError):
    """A refused registration, confirmation, rejection or contact change."""
