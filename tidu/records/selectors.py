"""Who may read which 操作日志 rows and which archives.

* The 市经信局经办人 reads, per call, every row about that call: its submitted applications (whatever the
  object: sections, evidence, assignments, conclusions …) and the call's own objects (推荐名单、公示、异议、
  集体决策、评分细则、模板、文书任务、归档任务). Drafts never submitted stay the enterprise's own.
* The 审计管理员 reads every row (``accounts:audit_log``) and, here, any call's rows.
* Nobody else. Nobody edits or deletes a row.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from tidu.accounts import permissions
from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.core.models import AuditEntry
from tidu.decisions.models import CollectiveDecision, DecisionSetting
from tidu.documents.models import DocumentJob, DocumentTemplate
from tidu.experts.models import Criterion, ReviewSession, Rubric
from tidu.policy.models import Call
from tidu.publicity.models import Objection, Publicity, PublicityEntry
from tidu.records.models import ArchiveJob
from tidu.review.models import RecommendationList

LOG_ROLES = (User.Role.CITY, User.Role.AUDITOR)
ARCHIVE_ROLES = (User.Role.CITY,)


def may_read_call_log(user) -> bool:
    return permissions.role_of(user) in LOG_ROLES


def may_archive(user) -> bool:
    return permissions.role_of(user) in ARCHIVE_ROLES


def call_applications(call: Call) -> QuerySet[Application]:
    """The call's applications that were ever submitted (a draft never submitted is the enterprise's own)."""
    return Application.objects.filter(call=call, submissions__isnull=False).distinct()


def _ids(queryset):
    """The primary keys as text (``AuditEntry.object_id`` is text), as a subquery: nothing is read into Python."""
    return queryset.order_by().annotate(object_key=Cast("pk", CharField())).values("object_key")


def call_audit_entries(call: Call) -> QuerySet[AuditEntry]:
    """Every audit row about ``call``: its submitted applications' objects and the call's own objects."""
    owned = {
        "recommendation_list": RecommendationList.objects.filter(call=call),
        "publicity": Publicity.objects.filter(call=call),
        "publicity_entry": PublicityEntry.objects.filter(publicity__call=call),
        "objection": Objection.objects.filter(publicity__call=call),
        "collective_decision": CollectiveDecision.objects.filter(call=call),
        "decision_setting": DecisionSetting.objects.filter(call=call),
        "rubric": Rubric.objects.filter(call=call),
        "criterion": Criterion.objects.filter(rubric__call=call),
        "review_session": ReviewSession.objects.filter(call=call),
        "document_template": DocumentTemplate.objects.filter(call=call),
        "document_job": DocumentJob.objects.filter(call=call),
        "archive_job": ArchiveJob.objects.filter(call=call),
        "call": Call.objects.filter(pk=call.pk),
    }
    condition = Q(application_id__in=call_applications(call).values("pk"))
    for object_type, queryset in owned.items():
        condition |= Q(object_type=object_type, object_id__in=_ids(queryset))
    return AuditEntry.objects.filter(condition)


def call_audit_entries_visible_to(user, call: Call) -> QuerySet[AuditEntry]:
    if not may_read_call_log(user):
        return AuditEntry.objects.none()
    return call_audit_entries(call)


def archive_jobs_visible_to(user) -> QuerySet[ArchiveJob]:
    if not may_archive(user):
        return ArchiveJob.objects.none()
    return ArchiveJob.objects.select_related("call", "created_by")


def can_view_archive_job(user, job: ArchiveJob) -> bool:
    return archive_jobs_visible_to(user).filter(pk=job.pk).exists()
