"""Reads for on-site verification, scoped to what the user may see; discrepancies for other pages."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from tidu.accounts import permissions as accounts
from tidu.applications import selectors as application_selectors
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.onsite import permissions
from tidu.onsite.models import CheckItem, CheckPhoto, OnsiteCheck

Result = CheckItem.Result


def _with_counts(checks: QuerySet[OnsiteCheck]) -> QuerySet[OnsiteCheck]:
    return (checks.select_related("application__enterprise__organisation__parent", "application__call")
            .prefetch_related("inspectors")
            .annotate(item_count=Count("items", distinct=True),
                      decided_count=Count("items", filter=~Q(items__result=""), distinct=True),
                      mismatch_count=Count("items", filter=Q(items__result=Result.MISMATCH), distinct=True)))


def checks_visible_to(user) -> QuerySet[OnsiteCheck]:
    """City: every check; an inspector: the checks they are assigned to; anyone else: none."""
    if accounts.is_city_user(user):
        return _with_counts(OnsiteCheck.objects.all())
    if permissions.may_inspect(user):
        return _with_counts(OnsiteCheck.objects.filter(inspectors=user))
    return OnsiteCheck.objects.none()


def check_detail(user, pk: int) -> OnsiteCheck | None:
    return (checks_visible_to(user).filter(pk=pk)
            .prefetch_related(Prefetch("items", CheckItem.objects.select_related("decided_by", "resolved_by")
                                       .prefetch_related("photos")))
            .first())


def awaiting_check(user) -> QuerySet[Application]:
    """Applications that finished expert review and have no open on-site check (a returned check is closed)."""
    if not accounts.is_city_user(user):
        return Application.objects.none()
    live = OnsiteCheck.objects.filter(application=OuterRef("pk"), status=OnsiteCheck.Status.OPEN)
    return (application_selectors.applications_visible_to(user).filter(status=State.EXPERT_REVIEWED)
            .exclude(Exists(live)).order_by("enterprise__name"))


def can_view_check(user, check: OnsiteCheck) -> bool:
    """An on-site check (its items and photos): the city, or an inspector assigned to it."""
    return permissions.can_view(user, check)


def photos_visible_to(user) -> QuerySet[CheckPhoto]:
    return CheckPhoto.objects.select_related("item__onsite_check").filter(
        item__onsite_check__in=checks_visible_to(user).order_by().values("pk"))


def can_view_photo(user, photo: CheckPhoto) -> bool:
    return can_view_check(user, photo.item.onsite_check)


def photo_for(user, pk: int) -> CheckPhoto | None:
    return photos_visible_to(user).filter(pk=pk).first()


def discrepancies_for(application: Application) -> list[CheckItem]:
    """Every item found 不符 in any on-site check of ``application`` (newest check first), resolved or not.

    For the city's review pages: ``item.is_open_discrepancy`` tells whether it still needs handling.
    """
    return list(CheckItem.objects.filter(onsite_check__application=application, result=Result.MISMATCH)
                .select_related("onsite_check", "decided_by", "resolved_by").prefetch_related("photos")
                .order_by("-onsite_check__created_at", "order"))


def open_discrepancies(application: Application) -> list[CheckItem]:
    return [item for item in discrepancies_for(application) if item.is_open_discrepancy]


def latest_check(application: Application) -> OnsiteCheck | None:
    return application.onsite_checks.order_by("-created_at", "-id").first()
