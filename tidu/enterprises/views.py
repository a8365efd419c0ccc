from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tidu.accounts import permissions
from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.accounts.services import dashboard_url_for
from tidu.core import ratelimit
from tidu.core.client_ip import client_address
from tidu.core.downloads import CSV_CONTENT_TYPE, attachment, csv_bytes
from tidu.core.paging import page_of
from tidu.enterprises import bulk_import, call_scope, imports, operations, selectors, services
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.forms import (
    ContactsForm,
    EnterpriseFilterForm,
    ImportUploadForm,
    RegistrationChangeForm,
    RegistrationForm,
    RejectForm,
)
from tidu.enterprises.models import EnterpriseImport, EnterpriseImportRow, RegistrationChange
from tidu.policy import selectors as policy_selectors

Role = User.Role
PAGE_SIZE = 50


def register(request):
    if request.user.is_authenticated:
        messages.info(request, _("您已登录。如需为另一家企业登记，请先退出当前账号。"))
        return redirect("accounts:dashboard")
    form = RegistrationForm(request.POST or None, scope=call_scope.registration_scope())
    if request.method == "POST" and form.is_valid():
        if not ratelimit.allow("registration_address", client_address(request),
                               limit=settings.TIDU_REGISTRATION_PER_ADDRESS, window=timedelta(hours=1)):
            form.add_error(None, _("来自您当前网络地址的登记过于频繁，请一小时后再试。已填写的内容仍保留在下面。"))
            return render(request, "enterprises/register.html", {"form": form}, status=429)
        try:
            enterprise, user = services.enterprise_register(**form.registration_data())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("“%(name)s”登记成功，等待%(unit)s确认。")
                             % {"name": enterprise.name, "unit": enterprise.unit.name})
            if form.region_warning:
                messages.warning(request, form.region_warning)
            return redirect("enterprises:my_enterprise")
    return render(request, "enterprises/register.html", {"form": form})


@role_required(Role.ENTERPRISE)
def my_enterprise(request):
    enterprise = selectors.enterprise_of(request.user)
    if enterprise is None:
        return render(request, "enterprises/my_enterprise.html", {"enterprise": None})
    initial = {"contact_name": enterprise.contact_name, "contact_phone": enterprise.contact_phone,
               "contact_email": enterprise.contact_email}
    form = ContactsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update_contacts(enterprise, request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        except EnterpriseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("联系人信息已保存。"))
            return redirect("enterprises:my_enterprise")
    return render(request, "enterprises/my_enterprise.html", _mine_context(request, enterprise, form=form))


def _mine_context(request, enterprise, *, form=None, change_form=None) -> dict:
    initial = {field: getattr(enterprise, field) for field in RegistrationChange.FIELDS}
    return {"enterprise": enterprise, "form": form, "change_form": change_form or RegistrationChangeForm(initial=initial),
            "changes": selectors.registration_changes_visible_to(request.user).filter(enterprise=enterprise)[:5],
            "delegations": selectors.delegations_of(enterprise)[:20],
            "delegation_candidates": operations.delegation_candidates(enterprise)}


@require_POST
@role_required(Role.ENTERPRISE)
def delegation(request):
    """The enterprise lets an officer of its unit prepare its applications, or takes that back."""
    enterprise = selectors.enterprise_of(request.user)
    if enterprise is None:
        return redirect("enterprises:my_enterprise")
    try:
        if request.POST.get("revoke"):
            revoked = get_object_or_404(selectors.delegations_of(enterprise), pk=request.POST["revoke"])
            operations.EnterpriseRevokeDelegation(enterprise, delegation=revoked).execute(request.user)
            messages.success(request, _("已撤销对%(name)s的委托。") % {"name": revoked.grantee.display_name})
        else:
            grantee = operations.delegation_candidates(enterprise).filter(pk=request.POST.get("grantee") or 0).first()
            operations.EnterpriseGrantDelegation(enterprise, grantee=grantee).execute(request.user)
            messages.success(request, _("已委托%(name)s代为填报；真实性承诺和提交仍须由本企业完成。")
                             % {"name": grantee.display_name})
    except EnterpriseError as error:
        messages.error(request, error.message)
    return redirect(reverse("enterprises:my_enterprise") + "#delegation")


@require_POST
@role_required(Role.ENTERPRISE)
def request_change(request):
    """The enterprise asks its township to change its name, credit code, region or industry."""
    enterprise = selectors.enterprise_of(request.user)
    if enterprise is None:
        return redirect("enterprises:my_enterprise")
    change_form = RegistrationChangeForm(request.POST)
    if change_form.is_valid():
        data = dict(change_form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.enterprise_request_change(enterprise, request.user, values=data, reason=reason)
        except ValidationError as error:
            change_form.add_service_error(error)
        except EnterpriseError as error:
            change_form.add_error(None, error.message)
        else:
            messages.success(request, _("变更申请已提交，等待%(unit)s审核；审核通过前，申报书仍使用原登记信息。")
                             % {"unit": enterprise.unit.name})
            return redirect("enterprises:my_enterprise")
    initial = {"contact_name": enterprise.contact_name, "contact_phone": enterprise.contact_phone,
               "contact_email": enterprise.contact_email}
    return render(request, "enterprises/my_enterprise.html",
                  _mine_context(request, enterprise, form=ContactsForm(initial=initial), change_form=change_form),
                  status=400)


@require_POST
@role_required(Role.TOWNSHIP)
def decide_change(request):
    """The township approves or declines a pending registration change of one of its enterprises."""
    change = get_object_or_404(selectors.registration_changes_visible_to(request.user),
                               pk=request.POST.get("change") if str(request.POST.get("change", "")).isdigit() else 0)
    try:
        if request.POST.get("decision") == "approve":
            services.enterprise_approve_change(change, request.user)
            messages.success(request, _("已同意“%(name)s”的登记信息变更。") % {"name": change.enterprise.name})
        else:
            services.enterprise_reject_change(change, request.user, request.POST.get("reason", ""))
            messages.success(request, _("已不同意“%(name)s”的登记信息变更。") % {"name": change.enterprise.name})
    except EnterpriseError as error:
        messages.error(request, error.message)
    return redirect("enterprises:unit_enterprises")


@role_required(Role.TOWNSHIP)
def unit_enterprises(request):
    enterprises = selectors.enterprises_visible_to(request.user)
    counts = selectors.status_counts(enterprises)
    status = request.GET.get("status", "")
    if status in {value for value, _, _ in counts}:
        enterprises = enterprises.filter(status=status)
    # Paged in SQL: a unit may hold thousands of enterprises after a bulk import.
    page = page_of(enterprises.order_by("name", "pk"), PAGE_SIZE, request.GET.get("page"))
    rows = [(enterprise, services.can_confirm(enterprise, request.user), services.can_reject(enterprise, request.user))
            for enterprise in page.object_list]
    pending_changes = selectors.registration_changes_visible_to(request.user).filter(
        status=RegistrationChange.Status.PENDING)
    return render(request, "enterprises/unit_enterprises.html", {
        "unit": permissions.unit_of(request.user), "rows": rows, "page": page, "counts": counts, "status": status,
        "pending_changes": pending_changes})


@role_required(Role.CITY)
def all_enterprises(request):
    visible = selectors.enterprises_visible_to(request.user)
    filters = EnterpriseFilterForm(request.GET or None)
    enterprises = filters.apply(visible) if request.GET else visible
    page = Paginator(enterprises.order_by("organisation__parent__name", "name"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enterprises/all_enterprises.html", {
        "filters": filters, "page": page, "counts": selectors.status_counts(enterprises),
        "total": visible.count(), "query": query.urlencode()})


@login_required
def enterprise_detail(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    return render(request, "enterprises/enterprise_detail.html", _detail_context(request, enterprise))


@require_POST
@role_required(Role.TOWNSHIP)
def enterprise_confirm(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    try:
        services.enterprise_confirm(enterprise, request.user)
    except EnterpriseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已确认“%(name)s”为本单位企业，并已通知企业联系人。") % {"name": enterprise.name})
    return _back(request)


@require_POST
@role_required(Role.TOWNSHIP)
def enterprise_reject(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.enterprise_reject(enterprise, request.user, form.cleaned_data["reason"])
        except EnterpriseError as error:
            messages.error(request, error.message)
            return _back(request)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error("reason", error.error_dict.get("reason", []))
            else:
                messages.error(request, " ".join(error.messages))
                return _back(request)
        else:
            messages.success(request, _("已退回“%(name)s”的登记，并已把理由通知企业联系人。") % {"name": enterprise.name})
            return _back(request)
    context = _detail_context(request, enterprise, reject_form=form)
    return render(request, "enterprises/enterprise_detail.html", context, status=400)


def _detail_context(request, enterprise, reject_form=None) -> dict:
    delegated = selectors.is_delegate_of(request.user, enterprise)
    return {
        "enterprise": enterprise,
        "delegated": delegated,
        # The call registration is for: the delegate may open the enterprise's draft for it (applications:start).
        "delegation_call": policy_selectors.registration_call() if delegated else None,
        "can_confirm": services.can_confirm(enterprise, request.user),
        "can_reject": services.can_reject(enterprise, request.user),
        "reject_form": reject_form or RejectForm(),
        "back_url": dashboard_url_for(request.user),
    }


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("enterprises:unit_enterprises")


# --- bulk import ---------------------------------------------------------------------------------------------

IMPORT_ROLES = (Role.TOWNSHIP, Role.CITY)
IMPORT_ROW_FILTERS = {"errors": gettext_lazy("有错误"), "existing": gettext_lazy("已登记（跳过）"),
                      "imported": gettext_lazy("已导入"), "all": gettext_lazy("全部")}


@role_required(*IMPORT_ROLES)
def import_start(request):
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.upload_import(request.user, content=upload.read(), file_name=upload.name,
                                          site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            form.add_error("file", "；".join(error.messages))
        except EnterpriseError as error:
            form.add_error("file", error.message)
        else:
            return redirect("enterprises:import_detail", pk=batch.pk)
    history = selectors.imports_visible_to(request.user)[:20]
    city = permissions.is_city_user(request.user)
    return render(request, "enterprises/import_start.html", {
        "form": form, "history": history, "city": city, "unit": permissions.unit_of(request.user),
        "columns": bulk_import.columns_for(with_unit=city)}, status=400 if form.errors else 200)


@role_required(*IMPORT_ROLES)
def import_template(request, fmt):
    city = permissions.is_city_user(request.user)
    name = _("企业批量导入模板")
    if fmt == "csv":
        return attachment(csv_bytes(bulk_import.template_headers(with_unit=city), []), f"{name}.csv",
                          CSV_CONTENT_TYPE)
    return attachment(bulk_import.template_xlsx(with_unit=city), f"{name}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _visible_import(request, pk):
    return get_object_or_404(selectors.imports_visible_to(request.user), pk=pk)


@role_required(*IMPORT_ROLES)
def import_detail(request, pk):
    batch = _visible_import(request, pk)
    shown = request.GET.get("rows") or ("errors" if batch.invalid else "all")
    if shown not in IMPORT_ROW_FILTERS:
        shown = "all"
    rows = batch.rows.order_by("number")
    outcome = {"errors": EnterpriseImportRow.Outcome.INVALID, "existing": EnterpriseImportRow.Outcome.EXISTING,
               "imported": EnterpriseImportRow.Outcome.IMPORTED}.get(shown)
    if outcome:
        rows = rows.filter(outcome=outcome)
    page = page_of(rows, 100, request.GET.get("page"))
    for row in page:  # each problem in the reader's language (stored with its source, in Chinese)
        row.problems = [bulk_import.shown(error) for error in row.errors]
    return render(request, "enterprises/import_detail.html", {
        "batch": batch, "page": page, "shown": shown, "filters": IMPORT_ROW_FILTERS.items(),
        "running": batch.status in (EnterpriseImport.Status.CHECKING, EnterpriseImport.Status.IMPORTING)})


@require_POST
@role_required(*IMPORT_ROLES)
def import_confirm(request, pk):
    batch = _visible_import(request, pk)
    try:
        imports.confirm_import(batch, request.user, site_url=request.build_absolute_uri("/"))
    except EnterpriseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已开始导入 %(count)s 家企业，完成后向填写了邮箱的联系人发送账号邀请。")
                         % {"count": batch.valid})
    return redirect("enterprises:import_detail", pk=batch.pk)


@role_required(*IMPORT_ROLES)
def import_errors(request, pk):
    """Every problem of the file, one line each (row, column, heading, message), to fix the file in Excel."""
    batch = _visible_import(request, pk)
    lines = []
    for number, errors in batch.rows.exclude(errors=[]).order_by("number").values_list("number", "errors").iterator(
            chunk_size=2000):
        for error in map(bulk_import.shown, errors):  # in the language of whoever downloads it
            lines.append([number, error.get("column", ""), error.get("header", ""),
                          _("提示") if error.get("warning") else _("错误"), error.get("message", "")])
    headers = [_("行号"), _("列"), _("列标题"), _("类别"), _("问题")]
    return attachment(csv_bytes(headers, lines), _("企业导入问题清单") + f"-{batch.pk}.csv", CSV_CONTENT_TYPE)
