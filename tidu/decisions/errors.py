"""Errors of the decision domain (评审结论, 集体决策). ``message`` is shown to the user as it is (Chinese)."""

from tidu.core.errors import TiduError


class DecisionError(TiduError):
    """A refused conclusion, collective decision or pass-mark setting."""
