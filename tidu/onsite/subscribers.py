"""What the on-site domain does when other domains announce something (subscribed in ``OnsiteConfig.ready``).

When the applications domain announces ``expert_complete`` (专家评审完成), the on-site check is opened with
its checklist, acting as the officer who completed the review. When an application ends before its check was
completed (``reject``: 不予认定), its open check is cancelled with that reason, acting as the same officer. Delivery may repeat (a retry, a second
worker): a check opened for this completion, or any later one, means there is nothing left to do.
"""

from __future__ import annotations

import logging

from tidu.accounts.models import User
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.models import Application
from tidu.core.models import AuditEntry
from tidu.onsite import operations, services, workflow
from tidu.onsite.models import OnsiteCheck

logger = logging.getLogger("tidu.onsite")
OPENS_ON = "expert_complete"


def open_check_on_expert_complete(event: ApplicationTransitioned, event_id: int) -> OnsiteCheck | None:
    if event.action != OPENS_ON:
        return None
    application = Application.objects.filter(pk=event.application_id).first()
    if application is None or application.status != workflow.OPENS_FROM_APPLICATION_STATE:
        return None  # moved on (e.g. returned) before delivery: the city opens one when it is due again
    announced = AuditEntry.objects.filter(pk=event.audit_id).values_list("created_at", flat=True).first()
    already = OnsiteCheck.objects.filter(application=application)
    if announced is not None:
        already = already.filter(created_at__gte=announced)
    if already.exists():
        return None
    actor = User.objects.filter(pk=event.actor_id).first()
    check = services.check_open(application=application, user=actor)
    logger.info("event %s: on-site check %s opened for application %s", event_id, check.pk, application.pk)
    return check


ENDS_ON = ("reject",)


def cancel_open_check_when_application_ends(event: ApplicationTransitioned, event_id: int) -> list[int]:
    """Cancel the application's open checks (idempotent: a repeated delivery finds none open)."""
    if event.action not in ENDS_ON:
        return []
    actor = User.objects.filter(pk=event.actor_id).first()
    cancelled = []
    for check in OnsiteCheck.objects.filter(application_id=event.application_id, status=OnsiteCheck.Status.OPEN):
        operations.CheckCancel(check, reason="申报已不予认定，现场核查不再进行").execute(actor)
        cancelled.append(check.pk)
        logger.info("event %s: on-site check %s cancelled (application %s ended)", event_id, check.pk,
                    event.application_id)
    return cancelled
