"""Who may see and edit an application. Who may move it along its lifecycle is each operation's check()
(tidu.applications.operations, reading the table in workflow.py)."""

from __future__ import annotations

from tidu.applications.models import Application


def _unit_id(user):
    organisation = getattr(user, "organisation", None)
    return organisation.pk if organisation is not None else None


def is_own_enterprise(user, application: Application) -> bool:
    return (user.is_authenticated and user.role == "enterprise"
            and _unit_id(user) == application.enterprise.organisation_id)


def is_unit_officer(user, application: Application) -> bool:
    return (user.is_authenticated and user.role == "township"
            and _unit_id(user) == application.enterprise.organisation.parent_id)


def can_view(user, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    if user.role in ("city", "admin") or user.is_superuser:
        return True
    return is_own_enterprise(user, application) or is_unit_officer(user, application)


def can_edit(user, application: Application) -> bool:
    return is_own_enterprise(user, application)


def can_start_application(user, enterprise) -> bool:
    return user.is_authenticated and user.role == "enterprise" and _unit_id(user) == enterprise.organisation_id
