"""Business rules for on-site verification (现场核查).

A check is opened for an application that finished expert review (when the applications domain announces
``expert_complete``, see ``subscribers``; or by the city); its checklist is generated from the application's
claims. Inspectors decide every item (属实 / 不符 / 未核查, a note required for 不符) and add photos. The city
completes the check — ``onsite_complete`` with the discrepancy summary as the reason — or returns the
application for revision (``city_return``) instead.

Every change of state is an operation in ``tidu.onsite.operations``; these functions keep their signatures
as thin wrappers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.applications.services import content_hash
from tidu.onsite import operations, workflow
from tidu.onsite.errors import OnsiteError
from tidu.onsite.models import CheckItem, CheckPhoto, OnsiteCheck
from tidu.onsite.operations import (
    MAX_PHOTOS_PER_ITEM,
    NOTE_MAX,
    inspector_choices,
    summary_of,
    undecided,
)
from tidu.onsite.photos import inspect_photo

__all__ = ["MAX_PHOTOS_PER_ITEM", "NOTE_MAX", "OnsiteError", "check_complete", "check_open", "check_return",
           "inspector_choices", "inspector_report", "inspectors_set", "item_decide", "item_resolve", "photo_add",
           "photo_delete", "summary_of", "undecided"]
Result = CheckItem.Result


def check_open(*, application: Application, user) -> OnsiteCheck:
    """The application's open check, or a new one with its checklist generated from the claims (idempotent)."""
    op = operations.CheckOpen(application)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        existing = application.onsite_checks.filter(status=OnsiteCheck.Status.OPEN).first()
        if existing is not None and (application.status != workflow.OPENS_FROM_APPLICATION_STATE
                                     or existing.claims_sha256 == content_hash(application)):
            verdict = op.check(user)
            if verdict.forbidden:
                raise PermissionDenied(verdict.reason)
            return existing
        return op.execute(user)


def inspectors_set(*, check: OnsiteCheck, user, inspectors: Iterable[User], planned_date=None) -> OnsiteCheck:
    """Assign inspectors (city officers or experts without a conflict of interest); new ones are notified."""
    return operations.SetInspectors(check, inspectors=list(inspectors), planned_date=planned_date).execute(user)


def item_decide(*, item: CheckItem, user, result: str, note: str = "") -> CheckItem:
    return operations.ItemDecide(item, result=result, note=note).execute(user)


def photo_add(*, item: CheckItem, user, upload) -> CheckPhoto:
    """Check the photo, then store it on the locked, re-checked item; a failure leaves no file behind."""
    facts = inspect_photo(upload)  # raises PhotoRejected with a Chinese message
    op = operations.PhotoAdd(item, upload=upload, facts=facts)
    try:
        return op.execute(user)
    except BaseException:
        op.discard_written()
        raise


def photo_delete(*, photo: CheckPhoto, user) -> None:
    operations.PhotoDelete(photo).execute(user)


def inspector_report(*, check: OnsiteCheck, user) -> OnsiteCheck:
    """An inspector says the work on site is done: every item must be decided; the city is told."""
    return operations.InspectorReport(check).execute(user)


def check_complete(*, check: OnsiteCheck, user) -> OnsiteCheck:
    """Every item decided → the check is completed and the application moves on (``onsite_complete``)."""
    return operations.CheckComplete(check).execute(user)


def check_return(*, check: OnsiteCheck, user, section_reasons: Mapping[str, str], reason: str = "",
                 due_date=None, due_reason: str = "") -> OnsiteCheck:
    """Instead of completing: return the application for revision (退回补正) with reasons per section."""
    return operations.CheckReturn(check, section_reasons=dict(section_reasons), reason=reason, due_date=due_date,
                                  due_reason=due_reason).execute(user)


def item_resolve(*, item: CheckItem, user, resolution: str) -> CheckItem:
    """The city records how a discrepancy (不符) was settled; it then no longer shows as open."""
    return operations.ItemResolve(item, resolution=resolution).execute(user)
