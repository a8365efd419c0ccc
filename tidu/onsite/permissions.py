"""Who may do what in on-site verification: the city runs it; assigned inspectors (city officers or experts)
decide items and take photos."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.onsite.models import OnsiteCheck


def is_city(user) -> bool:
    return accounts.is_city_user(user)


def may_inspect(user) -> bool:
    """Who can be named an inspector: a city officer or an expert."""
    return accounts.is_city_user(user) or accounts.is_expert(user)


def is_inspector(user, check: OnsiteCheck) -> bool:
    return may_inspect(user) and check.inspectors.filter(pk=user.pk).exists()


def can_view(user, check: OnsiteCheck) -> bool:
    return is_city(user) or is_inspector(user, check)


def can_inspect(user, check: OnsiteCheck) -> bool:
    """Decide items and add photos: the city and the assigned inspectors, while the check is open."""
    return check.is_open and can_view(user, check)
