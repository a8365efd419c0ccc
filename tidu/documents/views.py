"""Document pages and downloads. Thin: scoping, then one service call, then a response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tidu.accounts import permissions as account_permissions
from tidu.applications.models import Application, Submission
from tidu.applications.selectors import applications_visible_to
from tidu.core.downloads import attachment
from tidu.documents import notice_docx, placeholders, selectors, services, sheet_docx, verification
from tidu.documents.dossier import SUMMARY_COLUMNS, build_dossier
from tidu.documents.models import DocumentJob, DocumentTemplate, DossierDocument
from tidu.documents.typst_engine import DocumentError
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

Kind = DossierDocument.Kind


def _application_for(request, pk: int) -> Application:
    """The application if this user may see it (drafts: only its own enterprise); 404 otherwise."""
    return get_object_or_404(applications_visible_to(request.user), pk=pk)


def _error_page(request, message: str, *, status: int = 503, application=None):
    return render(request, "documents/error.html", {"message": message, "application": application}, status=status)


def _serve(document: DossierDocument, filename: str, content_type: str):
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=filename,
                            content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def dossier(request, pk: int):
    """The on-screen summary of the dossier: the same model the downloads are made from."""
    application = _application_for(request, pk)
    model = build_dossier(application)
    return render(request, "documents/dossier.html", {
        "application": application, "dossier": model, "summary_headers": [h for _, h, _ in SUMMARY_COLUMNS],
        "summary_values": model.summary_row.numbered(1).values(),
        "jobs": selectors.jobs_visible_to(request.user).filter(application=application)[:5],
    })


def _download(kind: str, content_type: str):
    @login_required
    @require_GET
    def view(request, pk: int):
        application = _application_for(request, pk)
        model = build_dossier(application)
        try:
            document = services.application_document(application, kind, dossier=model)
        except DocumentError as exc:
            return _error_page(request, exc.message, application=application)
        return _serve(document, services.download_name(model, kind), content_type)

    view.__name__ = f"download_{kind}"
    return view


application_pdf = _download(Kind.APPLICATION_PDF, services.MIME["pdf"])
application_docx = _download(Kind.APPLICATION_DOCX, services.MIME["docx"])
summary_row_xlsx = _download(Kind.SUMMARY_ROW_XLSX, services.MIME["xlsx"])
summary_row_pdf = _download(Kind.SUMMARY_ROW_PDF, services.MIME["pdf"])


@login_required
@require_POST
def bound_start(request, pk: int):
    application = _application_for(request, pk)
    try:
        # Fail early, in the request, when PDFs cannot be made at all.
        from tidu.documents.typst_engine import font_setup

        font_setup()
    except DocumentError as exc:
        return _error_page(request, exc.message, application=application)
    try:
        job = services.start_bound_dossier(application, request.user)
    except services.JobRefused:
        raise Http404 from None
    return redirect("documents:job", pk=job.pk)


# --- 汇总表 export (township / city) -------------------------------------------------------------------

EXPORT_PREVIEW_ROWS = 200


def _export_ids(request, call: Call) -> list[int]:
    """What this user's 汇总表 of ``call`` holds, in its order (by unit, then the list's priority): the ids of the
    applications on a sent 推荐名单 whose list row is in the signed snapshot and that have a receipt. Two queries
    (ids, the sent lists' snapshots, each decoded once), whatever the call's size."""
    scope = selectors.summary_applications(request.user, call).annotate(
        has_receipt=Exists(Submission.objects.filter(application=OuterRef("pk"))))
    pairs = list(scope.values_list("pk", "recommendation_entry__recommendation_list_id", "has_receipt"))
    list_rows = services.sent_list_rows({list_id for _, list_id, _ in pairs})
    return [pk for pk, list_id, has_receipt in pairs if has_receipt and (list_id, pk) in list_rows]


def _export_preview(request, call: Call, ids: list[int]) -> list[dict]:
    """The first rows of the 汇总表 (``EXPORT_PREVIEW_ROWS``) with the list's row (its 推荐意见, priority) and the
    receipt it names (申报编号); the whole table is the generated file."""
    shown = ids[:EXPORT_PREVIEW_ROWS]
    # Receipts without their frozen content (snapshot, verdict): the page shows numbers and times only.
    receipts = Prefetch("submissions", queryset=Submission.objects.defer("snapshot", "verdict"))
    found = {a.pk: a for a in selectors.summary_applications(request.user, call).filter(pk__in=shown)
             .defer("recommendation_entry__recommendation_list__snapshot").prefetch_related(receipts)}
    list_rows = services.sent_list_rows({a.recommendation_entry.recommendation_list_id for a in found.values()})
    rows = []
    for pk in shown:
        source = services.summary_source(found.get(pk), list_rows)  # the job's rule (services.iter_summary_rows)
        if source is not None:
            entry, submission = source
            rows.append({"application": found[pk], "entry": entry, "submission": submission})
    return rows


@login_required
def summary_export(request, call_pk: int):
    user = request.user
    if not selectors.may_export_summary(user):
        raise Http404
    call = get_object_or_404(Call, pk=call_pk)
    ids = _export_ids(request, call)
    policy = call_policy_for(call)
    unit = account_permissions.unit_of(user)
    unit_name = unit.name if unit is not None else policy.call.content.get("issuer", "")
    if request.method == "POST":
        try:
            job = services.start_summary_export(call=call, user=user,
                                                application_ids=ids,
                                                unit_name=unit_name, fmt=request.POST.get("format", "zip"))
        except services.JobRefused:
            raise Http404 from None
        except DocumentError as exc:
            return _error_page(request, exc.message, status=400)
        return redirect("documents:job", pk=job.pk)
    return render(request, "documents/summary_export.html", {
        "call": call, "rows": _export_preview(request, call, ids), "total": len(ids), "unit_name": unit_name,
        "title": services.summary_title(policy)})


# --- jobs --------------------------------------------------------------------------------------------

def _job_for(request, pk: int) -> DocumentJob:
    """The job if this user started it and may still see what it is made from; 404 otherwise."""
    job = get_object_or_404(selectors.jobs_visible_to(request.user), pk=pk)
    if not selectors.can_view_job(request.user, job):
        raise Http404
    return job


@login_required
@require_GET
def job(request, pk: int):
    return render(request, "documents/job.html", {"job": _job_for(request, pk)})


@login_required
@require_GET
def job_status(request, pk: int):
    """The htmx fragment polled every second until the job has finished."""
    job = _job_for(request, pk)
    response = render(request, "documents/_job_status.html", {"job": job})
    if job.is_finished:
        response["HX-Trigger"] = "document-job-finished"
    return response


@login_required
@require_GET
def job_download(request, pk: int):
    job = _job_for(request, pk)
    if job.status != DocumentJob.Status.DONE or not job.result:
        raise Http404
    extension = job.result_name.rsplit(".", 1)[-1]
    response = FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name,
                            content_type=services.MIME.get(extension, "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    return response


# --- verification (public) -------------------------------------------------------------------------------

@require_GET
def verify_form(request):
    code = request.GET.get("code", "")
    if code:
        return redirect("documents:verify", code=verification.normalise_code(code) or "-")
    return render(request, "documents/verify_form.html")


@require_GET
def verify(request, code: str):
    result = verification.verify(code)
    if result is None:
        return render(request, "documents/verify_not_found.html", {"code": code[:40]}, status=404)
    return render(request, "documents/verify.html", {"result": result, "code": verification.normalise_code(code)})


# --- templates (city bureau) --------------------------------------------------------------------------------

@account_permissions.role_required("city", "admin")
def templates(request):
    calls = list(Call.objects.order_by("-year", "code"))
    if request.method == "POST":
        call = get_object_or_404(Call, pk=request.POST.get("call") or 0)
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if kind not in DocumentTemplate.Kind.values:
            messages.error(request, _("请选择模板类型"))
        elif upload is None:
            messages.error(request, _("请选择要上传的模板文件"))
        else:
            try:
                template = services.upload_template(call=call, kind=kind, upload=upload, user=request.user)
            except services.TemplateRejected as exc:
                return render(request, "documents/templates.html", _templates_context(calls, exc.errors),
                              status=400)
            except DocumentError as exc:
                return render(request, "documents/templates.html", _templates_context(calls, [exc.message]),
                              status=400)
            messages.success(request, _("模板“%(name)s”已通过检查并启用；可下载示例预览核对效果。")
                             % {"name": template.original_name})
            return redirect(reverse("documents:templates"))
    return render(request, "documents/templates.html", _templates_context(calls, []))


def _templates_context(calls, errors):
    return {
        "calls": calls, "errors": errors, "kinds": DocumentTemplate.Kind.choices,
        "templates": DocumentTemplate.objects.select_related("call", "uploaded_by")[:50],
        "docx_placeholders": placeholders.DOCX_PLACEHOLDERS,
        "notice_placeholders": notice_docx.PLACEHOLDERS.items(),
        "sheet_specs": [(kind, spec.title, sheet_docx.placeholders_for(kind)[len(sheet_docx.COMMON):])
                        for kind, spec in sheet_docx.SPECS.items()],
        "sheet_common": sheet_docx.COMMON,
        "xlsx_row_placeholders": placeholders.XLSX_ROW_PLACEHOLDERS,
        "xlsx_sheet_placeholders": placeholders.XLSX_SHEET_PLACEHOLDERS,
    }


@account_permissions.role_required("city", "admin")
@require_POST
def template_deactivate(request, pk: int):
    template = get_object_or_404(DocumentTemplate, pk=pk)
    try:
        services.deactivate_template(template, request.user)
    except DocumentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已停用该模板，将使用内置模板。"))
    return redirect("documents:templates")


@account_permissions.role_required("city", "admin")
@require_GET
def template_preview(request, pk: int):
    template = get_object_or_404(DocumentTemplate, pk=pk)
    if not template.preview:
        raise Http404
    extension = template.preview.name.rsplit(".", 1)[-1]
    return FileResponse(template.preview.open("rb"), as_attachment=True, filename=f"模板预览-{template.pk}.{extension}",
                        content_type=services.MIME.get(extension, "application/octet-stream"))


@account_permissions.role_required("city", "admin")
@require_GET
def builtin_template(request, kind: str):
    """Download the built-in template, as a starting point for a bureau's own."""
    from tidu.documents.docx import BUILTIN_TEMPLATE

    if kind == "application_docx":
        return FileResponse(BUILTIN_TEMPLATE.open("rb"), as_attachment=True, filename="内置申报书模板.docx",
                            content_type=services.MIME["docx"])
    if kind in ("recognition_notice_docx", "publicity_notice_docx"):
        label = "认定通知" if kind == "recognition_notice_docx" else "公示通知"
        return attachment(notice_docx.builtin_template(), f"内置{label}模板.docx", services.MIME["docx"])
    if kind in sheet_docx.SPECS:
        return attachment(sheet_docx.starter_template(kind), f"{sheet_docx.SPECS[kind].title}模板（起步）.docx",
                          services.MIME["docx"])
    if kind == "summary_xlsx":
        from tidu.documents.xlsx import builtin_summary_template

        return attachment(builtin_summary_template(), "summary-template.xlsx", services.MIME["xlsx"])
    raise Http404
