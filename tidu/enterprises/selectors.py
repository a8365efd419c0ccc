"""Which enterprises a user may see. Every enterprise page and service reads through here."""

from django.db.models import Count, QuerySet

from tidu.accounts import permissions
from tidu.accounts.models import Organisation, User
from tidu.enterprises.models import Delegation, Enterprise, EnterpriseImport, RegistrationChange


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """Enterprise user: its own; township user: its unit's; city: all; expert, 系统管理员 and anonymous: none."""
    enterprises = Enterprise.objects.select_related("organisation__parent")
    role = permissions.role_of(user)
    if role == User.Role.CITY:
        return enterprises
    if role == User.Role.TOWNSHIP:
        unit = permissions.unit_of(user)
        # by the unit stored on the enterprise (equal to organisation.parent, kept by triggers), on its own index
        return enterprises.filter(stored_unit=unit) if unit is not None else enterprises.none()
    if role == User.Role.ENTERPRISE and user.organisation_id is not None:
        return enterprises.filter(organisation_id=user.organisation_id)
    return enterprises.none()


def can_view_enterprise(user, enterprise: Enterprise) -> bool:
    """Same answer as ``enterprises_visible_to``, without a query."""
    role = permissions.role_of(user)
    if role == User.Role.CITY:
        return True
    if role == User.Role.TOWNSHIP:
        unit = permissions.unit_of(user)
        return unit is not None and enterprise.organisation.parent_id == unit.pk
    if role == User.Role.ENTERPRISE:
        return user.organisation_id is not None and user.organisation_id == enterprise.organisation_id
    return False


def registration_changes_visible_to(user) -> QuerySet[RegistrationChange]:
    """Registration changes of the enterprises the user may see (own enterprise, own unit, the city)."""
    return RegistrationChange.objects.filter(enterprise__in=enterprises_visible_to(user)).select_related(
        "enterprise", "requested_by", "decided_by")


def enterprise_of(user) -> Enterprise | None:
    """The enterprise an enterprise user acts for, if any."""
    if not permissions.is_enterprise_user(user) or user.organisation_id is None:
        return None
    return Enterprise.objects.select_related("organisation__parent").filter(
        organisation_id=user.organisation_id).first()


def active_units() -> QuerySet[Organisation]:
    """Township units an enterprise can register under."""
    return Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True).order_by("kind", "name")


def status_counts(enterprises: QuerySet[Enterprise]) -> list[tuple[str, str, int]]:
    """[(status, label, count)] for every status, in the order the statuses are declared."""
    counts = dict(enterprises.order_by().values_list("status").annotate(n=Count("id")))
    return [(status, label, counts.get(status, 0)) for status, label in Enterprise.Status.choices]


def imports_visible_to(user) -> QuerySet[EnterpriseImport]:
    """Bulk imports: the city sees all; a township officer those into its own unit; nobody else any."""
    imports = EnterpriseImport.objects.select_related("created_by", "unit", "confirmed_by")
    role = permissions.role_of(user)
    if role == User.Role.CITY:
        return imports
    if role == User.Role.TOWNSHIP:
        unit = permissions.unit_of(user)
        return imports.filter(unit=unit) if unit is not None else imports.none()
    return imports.none()


def delegated_enterprise_ids(user) -> QuerySet:
    """Ids of the enterprises that currently let this township officer prepare their applications (only its own
    unit's: a delegation outlives a move of the officer to another unit only on paper, never in effect)."""
    if permissions.role_of(user) != User.Role.TOWNSHIP:
        return Delegation.objects.none().values("enterprise_id")
    return Delegation.objects.filter(grantee=user, revoked_at=None,
                                     enterprise__organisation__parent_id=user.organisation_id).values("enterprise_id")


def is_delegate_of(user, enterprise: Enterprise) -> bool:
    return permissions.role_of(user) == User.Role.TOWNSHIP and Delegation.objects.filter(
        grantee=user, revoked_at=None, enterprise=enterprise,
        enterprise__organisation__parent_id=user.organisation_id).exists()


def delegations_of(enterprise: Enterprise) -> QuerySet[Delegation]:
    return Delegation.objects.filter(enterprise=enterprise).select_related("grantee", "granted_by", "revoked_by")
