"""Account rules as plain functions: where each role lands after logging in, and account changes.

(Failed-login throttling is django-axes', configured in tidu/accounts/throttle.py.)
"""


from django.urls import NoReverseMatch, reverse

from tidu.accounts import operations, permissions
from tidu.accounts.models import User


def dashboard_url_for(user: User) -> str:
    """Where a user lands after logging in (the 工作台 link), by role."""
    role = permissions.role_of(user)
    if role == User.Role.ENTERPRISE:
        try:
            return reverse("applications:home")
        except NoReverseMatch:  # the applications area is not wired up yet
            return reverse("enterprises:my_enterprise")
    if role == User.Role.TOWNSHIP:
        return reverse("review:township_dashboard")
    if role == User.Role.CITY:
        return reverse("review:intake")
    if role == User.Role.ADMIN:  # accounts and policy only: no application content (accounts.permissions)
        return reverse("admin:index")
    if role == User.Role.AUDITOR:
        return reverse("accounts:audit_log")
    if role == User.Role.EXPERT:
        return reverse("experts:my_assignments")
    return reverse("accounts:profile")


# --- changes of an account (each one operation, audited; see tidu.accounts.operations) ----------------

def user_change_role(*, user: User, by_user, role: str | None = None, organisation=None,
                     **flags) -> User:
    """Give ``user`` another role and/or organisation (``organisation=None`` keeps it; flags: is_superuser,
    is_staff). Only a 系统管理员; one audit row with the role before and after."""
    params = dict(flags)
    if role is not None:
        params["role"] = role
    if organisation is not None:
        params["organisation_id"] = organisation.pk
    return operations.run("user.change_role", user, by_user, **params)


def user_deactivate(*, user: User, by_user) -> User:
    return operations.run("user.deactivate", user, by_user)


def user_activate(*, user: User, by_user) -> User:
    return operations.run("user.activate", user, by_user)


def user_update_contact(*, user: User, by_user, **contact) -> User:
    """Change any of first_name, last_name, email, phone."""
    return operations.run("user.update_contact", user, by_user, **contact)
