"""The city's 操作日志 per call (the same page and filters as the 审计管理员's, ``tidu.core.audit_log``) and the
call's archive (归档包): a button that starts the background job, its progress, and the download."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from tidu.accounts.permissions import role_required
from tidu.core import audit_log
from tidu.core.errors import TiduError
from tidu.policy.selectors import call_list
from tidu.records import selectors, services
from tidu.records.models import ArchiveJob

ZIP = "application/zip"


def _call(pk: int):
    return get_object_or_404(call_list(), pk=pk)


@role_required(*selectors.LOG_ROLES)
@require_GET
def index(request):
    return render(request, "records/index.html", {"calls": call_list(),
                                                  "may_archive": selectors.may_archive(request.user)})


@role_required(*selectors.LOG_ROLES)
@require_GET
def call_log(request, pk: int):
    call = _call(pk)
    entries = selectors.call_audit_entries_visible_to(request.user, call)
    links = [{"label": item.title, "url": reverse("records:call_log", args=[item.pk]), "current": item.pk == call.pk}
             for item in call_list()]
    return audit_log.render_page(
        request, entries, heading=gettext("操作日志：%(call)s") % {"call": call.title},
        context={"export_url": reverse("records:call_log_export", args=[call.pk]), "call_links": links},
        detail_url=lambda entry: reverse("records:call_log_entry", args=[call.pk, entry.pk]))


@role_required(*selectors.LOG_ROLES)
@require_GET
def call_log_export(request, pk: int):
    call = _call(pk)
    return audit_log.export(request, selectors.call_audit_entries_visible_to(request.user, call),
                            filename=gettext("操作日志-%(code)s") % {"code": call.code})


@role_required(*selectors.LOG_ROLES)
@require_GET
def call_log_entry(request, pk: int, entry_pk: int):
    call = _call(pk)
    entry = get_object_or_404(selectors.call_audit_entries_visible_to(request.user, call).select_related("actor"),
                              pk=entry_pk)
    return audit_log.render_entry(request, entry, heading=gettext("操作记录"),
                                  back_url=reverse("records:call_log", args=[call.pk]))


@role_required(*selectors.ARCHIVE_ROLES)
def archive(request, pk: int):
    call = _call(pk)
    if request.method == "POST":
        try:
            job = services.start_archive(call, request.user, kind=request.POST.get("kind") or "archive")
        except TiduError as error:
            messages.error(request, error.message)
            return redirect("records:archive", pk=call.pk)
        return redirect("records:archive_job", pk=job.pk)
    jobs = selectors.archive_jobs_visible_to(request.user).filter(call=call)[:10]
    return render(request, "records/archive.html", {"call": call, "jobs": jobs})


def _job_for(request, pk: int) -> ArchiveJob:
    job = get_object_or_404(selectors.archive_jobs_visible_to(request.user), pk=pk)
    if not selectors.can_view_archive_job(request.user, job):
        raise Http404
    return job


@role_required(*selectors.ARCHIVE_ROLES)
@require_GET
def archive_job(request, pk: int):
    return render(request, "records/archive_job.html", {"job": _job_for(request, pk)})


@role_required(*selectors.ARCHIVE_ROLES)
@require_GET
def archive_job_status(request, pk: int):
    job = _job_for(request, pk)
    return render(request, "records/_archive_status.html", {"job": job})


@role_required(*selectors.ARCHIVE_ROLES)
@require_GET
def archive_download(request, pk: int):
    job = _job_for(request, pk)
    if job.status != ArchiveJob.Status.DONE or not job.result:
        raise Http404
    response = FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name, content_type=ZIP)
    response["Cache-Control"] = "private, no-store"
    return response


