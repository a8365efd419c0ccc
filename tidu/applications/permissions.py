"""Who may see and edit an application. Roles come from ``accounts.permissions``; seeing from ``selectors``;
who may move it along its lifecycle is each operation's check() (tidu.applications.operations, reading the
table in workflow.py)."""

from __future__ import annotations

from tidu.accounts import permissions as accounts
from tidu.applications import selectors
from tidu.applications.models import Application
from tidu.enterprises.selectors import is_delegate_of

is_own_enterprise = selectors.is_own_enterprise
is_unit_officer = selectors.is_unit_officer


def can_view(user, application: Application) -> bool:
    return selectors.can_view_application(user, application)


def can_edit(user, application: Application) -> bool:
    """The enterprise, or an officer it lets prepare its applications (never the 真实性承诺: see operations)."""
    return is_own_enterprise(user, application) or selectors.is_delegate(user, application)


def can_start_application(user, enterprise) -> bool:
    if accounts.is_township_user(user):
        return is_delegate_of(user, enterprise)
    return (accounts.is_enterprise_user(user) and user.organisation_id is not None
            and user.organisation_id == enterprise.organisation_id)
