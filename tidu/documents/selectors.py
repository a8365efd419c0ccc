"""Who may see a document: the dossier of an application (申报书 PDF/DOCX, 汇总表 row, bound dossier), a
document job and its result, a verification code. Every document view, job and export reads through here.

A document is visible exactly when its application is (``applications.selectors``): a draft's documents never
leave the enterprise. A job is visible to whoever started it, and only while they may still see everything it
was made from; a job for something its creator may not see is refused when started and again when run.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tidu.accounts import permissions
from tidu.applications import selectors as application_selectors
from tidu.applications.models import Application, sent_list_status
from tidu.documents.models import DocumentJob, DossierDocument, VerificationCode


def can_view_dossier(user, application: Application) -> bool:
    return application_selectors.can_view_application(user, application)


def documents_visible_to(user) -> QuerySet[DossierDocument]:
    return DossierDocument.objects.filter(application__in=application_selectors.applications_visible_to(user))


def can_view_document(user, document: DossierDocument) -> bool:
    return can_view_dossier(user, document.application)


def may_export_summary(user) -> bool:
    """A 汇总表 export is the township's (its unit) or the city's (everything submitted)."""
    return permissions.is_township_user(user) or permissions.is_city_user(user)


def summary_applications(user, call) -> QuerySet[Application]:
    """What ``user`` may put in a 汇总表 export of ``call``: applications it may see that are on a 推荐名单 sent
    (报送) to the city. The 汇总表 accompanies the list; anything not on a sent list (returned for 补正, not
    recommended, awaiting the township) is not in it. Ordered by unit, then the list's priority."""
    if not may_export_summary(user):
        return Application.objects.none()
    return (application_selectors.applications_visible_to(user).filter(call=call)
            .filter(recommendation_entry__recommendation_list__status=sent_list_status())
            .select_related("recommendation_entry__recommendation_list")
            .order_by("unit__name", "recommendation_entry__priority", "pk"))


def job_applications_visible(user, job: DocumentJob) -> bool:
    """May ``user`` see everything the job is made from?"""
    if job.application_id is not None:
        return can_view_dossier(user, job.application)
    if job.kind == DocumentJob.Kind.SUMMARY_EXPORT:
        ids = {int(i) for i in (job.params or {}).get("application_ids", [])}
        if not may_export_summary(user):
            return False
        return summary_applications(user, job.call).filter(pk__in=ids).count() == len(ids)
    return False


def jobs_visible_to(user) -> QuerySet[DocumentJob]:
    """The jobs ``user`` started (check each with ``can_view_job``: the sources must still be visible)."""
    if not user.is_authenticated:
        return DocumentJob.objects.none()
    return DocumentJob.objects.select_related("application__enterprise__organisation", "call").filter(
        created_by=user)


def can_view_job(user, job: DocumentJob) -> bool:
    """A job and its result: only whoever started it, and only while they may see what it was made from."""
    return user.is_authenticated and job.created_by_id == user.pk and job_applications_visible(user, job)


def can_view_verification_code(code: VerificationCode) -> bool:
    """The public verify page proves a code only for a submitted version (a draft never has one)."""
    return code.application.submissions.filter(content_sha256=code.content_sha256).exists()
