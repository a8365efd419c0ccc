"""Pages of on-site verification: the city's list and decisions, and the phone-friendly checklist for inspectors.

Views stay thin: checks are found through ``selectors`` (anything not visible is a 404), writes go
through ``services``; enterprise and township users get a 403 everywhere here.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from tidu.accounts import permissions as accounts
from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.applications import revision
from tidu.applications import selectors as application_selectors
from tidu.applications import services as application_services
from tidu.applications.sections import SECTION_KEYS, SECTIONS
from tidu.applications.workflow import State
from tidu.core.dates import beijing_text
from tidu.core.operations import operation
from tidu.core.sizes import megabytes
from tidu.documents.sheets import sheet_response
from tidu.documents.typst_engine import DocumentError
from tidu.onsite import selectors, services, sheets
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.onsite.photos import PhotoRejected, max_bytes

Role = User.Role
city_only = role_required(Role.CITY)  # 系统管理员 is not city (accounts.permissions)
inspectors_and_city = role_required(Role.CITY, Role.EXPERT)
Errors = (services.OnsiteError, application_services.ApplicationError)


def _city_application(request, pk):
    """An application the city may act on (never a draft), through the applications domain's own selector."""
    if not accounts.is_city_user(request.user):
        raise Http404(gettext("找不到该申报"))
    application = (application_selectors.applications_visible_to(request.user).exclude(status=State.DRAFT)
                   .filter(pk=pk).first())
    if application is None:
        raise Http404(gettext("找不到该申报"))
    return application


def _check_or_404(request, pk) -> OnsiteCheck:
    check = selectors.check_detail(request.user, pk)
    if check is None:
        raise Http404(gettext("找不到该现场核查"))
    return check


def _item_or_404(request, pk) -> CheckItem:
    item = get_object_or_404(CheckItem.objects.select_related("onsite_check"), pk=pk)
    if selectors.check_detail(request.user, item.onsite_check_id) is None:
        raise Http404(gettext("找不到该核查事项"))
    return item


PHOTO_ERRORS_KEY = "onsite_photo_errors"


def _back(check, item=None) -> str:
    return reverse("onsite:check", args=[check.pk]) + (f"#item-{item.pk}" if item else "")


def _check_context(request, check, **extra) -> dict:
    items = list(check.items.all())
    context = {"check": check, "application": check.application, "items": items,
               "decided": sum(1 for i in items if i.is_decided), "is_city": accounts.is_city_user(request.user),
               "results": [(value, label) for value, label in CheckItem.Result.choices if value],
               "photo_max_mb": megabytes(max_bytes()), "sections": SECTIONS, "form": {},
               # A refused photo upload, shown beside that item's upload control (set by photo_upload).
               "photo_errors": request.session.pop(PHOTO_ERRORS_KEY, None) if request.method == "GET" else None,
               **extra}
    context["stale"] = check.is_open and (
        check.application.status != State.EXPERT_REVIEWED
        or check.claims_sha256 != application_services.content_hash(check.application))
    if operation("onsite_check.set_inspectors", check).check(request.user):
        allowed, excluded = services.inspector_choices(check)
        context.update(inspector_allowed=allowed, inspector_excluded=excluded,
                       current_inspectors={u.pk for u in check.inspectors.all()},
                       expert_result=check.application.expert_results.first())
    return context


def _render_check(request, check, status=200, **extra):
    return render(request, "onsite/check.html", _check_context(request, check, **extra), status=status)


# --- lists ---------------------------------------------------------------------------------------

@city_only
@require_GET
def home(request):
    return render(request, "onsite/home.html", {
        "awaiting": selectors.awaiting_check(request.user).select_related("enterprise__organisation__parent"),
        "checks": selectors.checks_visible_to(request.user)[:200]})


@inspectors_and_city
@require_GET
def mine(request):
    checks = selectors.checks_visible_to(request.user).filter(inspectors=request.user)
    return render(request, "onsite/mine.html", {"checks": checks})


@city_only
@require_POST
def create(request, pk):
    application = _city_application(request, pk)
    try:
        check = services.check_open(application=application, user=request.user)
    except services.OnsiteError as error:
        messages.error(request, error.message)
        return redirect("onsite:home")
    messages.success(request, gettext("已生成核查清单（%(count)s 项），请指定核查人员") % {"count": check.items.count()})
    return redirect("onsite:check", pk=check.pk)


@city_only
@require_GET
def discrepancies(request, pk):
    application = _city_application(request, pk)
    return render(request, "onsite/discrepancies.html", {
        "application": application, "items": selectors.discrepancies_for(application)})


# --- one check -----------------------------------------------------------------------------------

@inspectors_and_city
@require_GET
def check(request, pk):
    return _render_check(request, _check_or_404(request, pk))


@inspectors_and_city
@require_POST
def item_decide(request, pk):
    item = _item_or_404(request, pk)
    result, note = request.POST.get("result", ""), request.POST.get("note", "")
    try:
        services.item_decide(item=item, user=request.user, result=result, note=note)
    except services.OnsiteError as error:
        return _render_check(request, _check_or_404(request, item.onsite_check_id), status=400,
                             item_error={"id": item.pk, "message": error.message, "result": result, "note": note})
    messages.success(request, gettext("已记录：%(title)s") % {"title": item.title})
    return redirect(_back(item.onsite_check, item))


@inspectors_and_city
@require_POST
def photo_upload(request, pk):
    item = _item_or_404(request, pk)
    uploads = request.FILES.getlist("photo")
    refused = []
    if not uploads:
        refused.append(gettext("请选择或拍摄照片"))
    for upload in uploads:
        try:
            services.photo_add(item=item, user=request.user, upload=upload)
        except (PhotoRejected, services.OnsiteError) as rejected:
            refused.append(str(rejected.message))
        else:
            messages.success(request, gettext("已上传照片：%(name)s") % {"name": upload.name})
    if refused:
        request.session[PHOTO_ERRORS_KEY] = {"item": item.pk, "messages": refused}
    return redirect(_back(item.onsite_check, item))


@inspectors_and_city
@require_GET
def photo(request, pk):
    found = selectors.photo_for(request.user, pk)
    if found is None:
        raise Http404(gettext("找不到该照片"))
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(gettext("照片文件已不存在")) from missing
    response = FileResponse(handle, content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@inspectors_and_city
@require_POST
def photo_delete(request, pk):
    found = selectors.photo_for(request.user, pk)
    if found is None:
        raise Http404(gettext("找不到该照片"))
    item = found.item
    try:
        services.photo_delete(photo=found, user=request.user)
    except services.OnsiteError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("已删除照片"))
    return redirect(_back(item.onsite_check, item))


@inspectors_and_city
@require_POST
def report(request, pk):
    found = _check_or_404(request, pk)
    before = found.reported_at
    try:
        reported = services.inspector_report(check=found, user=request.user)
    except services.OnsiteError as error:
        return _render_check(request, found, status=400, error=error)
    if before is not None and reported.reported_at == before:
        messages.info(request, gettext("已于 %(time)s 通知过市经信局，此后没有新的核查结果，未重复通知。") % {
            "time": beijing_text(before, "%Y-%m-%d %H:%M")})
        return redirect("onsite:check", pk=found.pk)
    messages.success(request, gettext("已通知市经信局：现场核查填报完毕"))
    return redirect("onsite:check", pk=found.pk)


# --- the city's decisions --------------------------------------------------------------------------

def _city_check(request, pk) -> OnsiteCheck:
    if not accounts.is_city_user(request.user):
        raise PermissionDenied(gettext("只有市经信局可以办理"))
    return _check_or_404(request, pk)


@inspectors_and_city
@require_POST
def inspectors(request, pk):
    found = _city_check(request, pk)
    ids = [v for v in request.POST.getlist("inspectors") if v.isdigit()]
    chosen = list(User.objects.filter(pk__in=ids))
    planned = request.POST.get("planned_date", "").strip()
    try:
        planned_date = dt.date.fromisoformat(planned) if planned else None
    except ValueError:
        return _render_check(request, found, status=400,
                             error=services.OnsiteError(gettext("“%(planned)s”不是有效日期，请按 年-月-日 填写") % {"planned": planned}))
    try:
        services.inspectors_set(check=found, user=request.user, inspectors=chosen, planned_date=planned_date)
    except services.OnsiteError as error:
        return _render_check(request, found, status=400, error=error)
    messages.success(request, gettext("已指定核查人员并通知本人"))
    return redirect("onsite:check", pk=found.pk)


@inspectors_and_city
@require_POST
def complete(request, pk):
    found = _city_check(request, pk)
    try:
        services.check_complete(check=found, user=request.user)
    except Errors as error:
        return _render_check(request, found, status=400, error=error)
    messages.success(request, gettext("现场核查已办结，申报转入待认定"))
    return redirect("onsite:check", pk=found.pk)


@inspectors_and_city
@require_POST
def return_for_revision(request, pk):
    found = _city_check(request, pk)
    section_reasons = {key: request.POST.get(f"reason-{key}", "") for key in SECTION_KEYS}
    reason = request.POST.get("reason", "")
    due, due_reason, due_error = revision.parse_due(request.POST)
    try:
        if due_error:
            raise application_services.ApplicationError(due_error)
        services.check_return(check=found, user=request.user, section_reasons=section_reasons, reason=reason,
                              due_date=due, due_reason=due_reason)
    except Errors as error:
        typed = {"reason": reason, "revision_due": request.POST.get("revision_due", ""),
                 "revision_due_reason": request.POST.get("revision_due_reason", ""),
                 **{f"reason-{k}": v for k, v in section_reasons.items()}}
        return _render_check(request, found, status=400, return_error=error, form=typed)
    messages.success(request, gettext("已退回企业补正"))
    return redirect("onsite:check", pk=found.pk)


@inspectors_and_city
@require_POST
def resolve(request, pk):
    if not accounts.is_city_user(request.user):
        raise PermissionDenied(gettext("只有市经信局可以办理"))
    item = _item_or_404(request, pk)
    try:
        services.item_resolve(item=item, user=request.user, resolution=request.POST.get("resolution", ""))
    except services.OnsiteError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("已记录处理情况：%(title)s") % {"title": item.title})
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/onsite/")
                    else _back(item.onsite_check, item))


@inspectors_and_city
@require_GET
def check_sheet(request, pk, fmt):
    """The 现场核查表 to print (PDF or Word): the city and the check's inspectors."""
    check = _check_or_404(request, pk)
    if not selectors.can_view_check(request.user, check):
        raise Http404(gettext("找不到该现场核查"))
    try:
        return sheet_response(request, sheets.onsite_sheet(check), fmt)
    except DocumentError as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
