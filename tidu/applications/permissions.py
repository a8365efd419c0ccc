"""Who may do what with an application. Roles come from ``accounts.permissions``; seeing from ``selectors``."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.applications import selectors
from tidu.applications.models import Application

is_own_enterprise = selectors.is_own_enterprise
is_unit_officer = selectors.is_unit_officer


def can_view(user, application: Application) -> bool:
    return selectors.can_view_application(user, application)


def can_edit(user, application: Application) -> bool:
    return is_own_enterprise(user, application)


def can_start_application(user, enterprise) -> bool:
    return (accounts.is_enterprise_user(user) and user.organisation_id is not None
            and user.organisation_id == enterprise.organisation_id)


def can_perform(user, application: Application, transition) -> bool:
    """The role must be one the workflow table allows, acting inside its own organisation."""
    role = accounts.role_of(user)
    if role not in transition.roles:
        return False
    if accounts.is_enterprise_user(user):
        return is_own_enterprise(user, application)
    if accounts.is_township_user(user):
        return is_unit_officer(user, application)
    return accounts.is_city_user(user)
