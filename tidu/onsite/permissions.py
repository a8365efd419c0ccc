"""Who may see what in on-site verification (reads): the city every check; assigned inspectors (city officers
or experts) theirs. Who may *do* what is each operation's ``check`` (operations.py); "city" is defined once,
in ``tidu.accounts.permissions``."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.onsite.models import OnsiteCheck
from tidu.onsite.operations import is_inspector
from tidu.onsite.workflow import INSPECTOR_ROLES

__all__ = ["can_view", "is_inspector", "may_inspect"]


def may_inspect(user) -> bool:
    """Who can be named an inspector at all (a city officer or an expert), whatever the check."""
    return accounts.role_of(user) in INSPECTOR_ROLES


def can_view(user, check: OnsiteCheck) -> bool:
    return accounts.is_city_user(user) or is_inspector(user, check)
