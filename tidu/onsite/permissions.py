"""Who may see what in on-site verification (reads): the city every check; assigned inspectors (city officers
or experts) theirs. Who may *do* what is each operation's ``check`` (operations.py); "city" is defined once,
in ``tidu.accounts.permissions``."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.onsite.models import OnsiteCheck
from tidu.onsite.operations import is_inspector

__all__ = ["can_view", "is_inspector"]


def can_view(user, check: OnsiteCheck) -> bool:
    return accounts.is_city_user(user) or is_inspector(user, check)
