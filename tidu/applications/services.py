"""Business rules for applications: drafts, autosave with conflict detection, submission, 退回补正.

Views, the API, commands and other apps call these functions; none of them decides a rule on its own. Every
change of state is an operation in ``operations.py`` (check, lock, write, one audit row, events on commit);
the functions here that change something are thin wrappers over them, keeping their signatures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from tidu.applications import operations, permissions
from tidu.applications.content import (  # noqa: F401 - the reads other apps use, re-exported
    SectionProgress,
    application_interchange,
    application_progress,
    application_verdict,
    content_hash,
    evidence_required,
    section_is_editable,
    section_raw,
    stored_verdict,
    submission_blockers,
    verdict_summary,
)
from tidu.applications.errors import ApplicationError, SectionConflict
from tidu.applications.models import Application, ApplicationSection, Evidence, Submission
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.workflow import ENTERPRISE_ACTIONS, State
from tidu.core.models import AuditEntry
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for  # noqa: F401 - callers read the policy through services

__all__ = ["ApplicationError", "SectionConflict"]  # defined in errors.py; other apps import them from here


# --- starting ------------------------------------------------------------------------------------

def application_start(*, enterprise: Enterprise, call: Call, tier: str, user) -> Application:
    """Open (or return the existing) draft of ``enterprise`` for ``call`` and ``tier``."""
    return operations.StartApplication(enterprise, call=call, tier=tier).execute(user)


# --- saving ----------------------------------------------------------------------------------------

def application_section_save(*, application: Application, key: str, data: dict[str, Any], base_revision: int,
                             user, editor_token: str = "", imported_from=None) -> ApplicationSection:
    """Store what the user typed in one section. Refuses (keeping nothing half-written) on a stale revision.

    ``editor_token`` names the browser tab (form) doing the editing: a newer revision written by that same
    tab (its own autosave racing its save button) is not a conflict; one written anywhere else is.
    Every save keeps a revision (``SectionRevision``) and one audit row (operations.SectionSave).
    """
    if key not in SECTIONS_BY_KEY:
        raise ApplicationError(gettext("申报书中没有“%(key)s”这一部分") % {"key": key})
    return operations.SectionSave(application, key=key, data=data, base_revision=base_revision,
                                  editor_token=editor_token, imported_from=imported_from).execute(user)


# --- submitting ----------------------------------------------------------------------------------

def application_submit(*, application: Application, user, idempotency_key: str,
                       now: dt.datetime | None = None) -> Submission:
    """Submit (or resubmit after 退回补正). The same idempotency key always yields the same single receipt."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise ApplicationError(gettext("提交标识无效，请刷新页面后重试"))
    existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.application_id != application.pk:
            raise ApplicationError(gettext("提交标识无效，请刷新页面后重试"))
        return existing
    if not permissions.can_edit(user, application):
        raise PermissionDenied
    try:
        with transaction.atomic():
            # Which of the two (提交 / 补正后重新提交) is decided on the locked row.
            locked = Application.objects.select_for_update().get(pk=application.pk)
            operation = operations.Resubmit if locked.status == State.RETURNED else operations.Submit
            return operation(locked, idempotency_key=idempotency_key, now=now).execute(user)
    except IntegrityError:
        # Two requests with one key: the other one won; answer with its receipt.
        existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


# --- transitions ---------------------------------------------------------------------------------

def application_transition(*, application: Application, action: str, user, reason: str = "",
                           section_reasons: dict[str, str] | None = None, due_date: dt.date | None = None,
                           due_reason: str = "") -> AuditEntry:
    """Perform one reviewer action from the workflow table (locks the row; a repeat is refused, not redone).

    A thin wrapper over the table's operation ("application.<action>"); returns its audit row. A return for
    revision takes its 补正期限 (``due_date``; None: the call's default) and ``due_reason`` when it differs.
    """
    operation_type = operations.TABLE_OPERATIONS.get(action)
    if operation_type is None or action in ENTERPRISE_ACTIONS:
        raise ApplicationError(gettext("未知的操作“%(action)s”") % {"action": action})
    operation = operation_type(application, reason=reason, section_reasons=section_reasons, due_date=due_date,
                               due_reason=due_reason)
    operation.execute(user)
    return operation.entry


def revision_due_change(*, application: Application, user, due_date: dt.date | None, reason: str) -> None:
    """Change a returned application's 补正期限, with a reason (operations.RevisionDueChange)."""
    operations.RevisionDueChange(application, due_date=due_date, reason=reason).execute(user)


# --- evidence --------------------------------------------------------------------------------------

def evidence_delete(*, evidence: Evidence, user) -> None:
    """Delete an evidence row now and its file once that has committed (operations.EvidenceDelete)."""
    operation = operations.EvidenceDelete(evidence.application, evidence=evidence)
    if not operation.check(user):
        raise PermissionDenied  # someone else's, or no longer editable (as before)
    operation.execute(user)
