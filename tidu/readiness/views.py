"""Readiness pages: an enterprise's diagnosis (its own live; townships and the city see stored snapshots), the
snapshot button, the short PDF and the city's distribution."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from tidu.accounts import permissions
from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.core.dates import date_zh
from tidu.core.downloads import attachment
from tidu.core.errors import TiduError
from tidu.enterprises.models import Enterprise
from tidu.enterprises.selectors import enterprise_of, enterprises_visible_to
from tidu.policy.selectors import call_list, call_policy_for
from tidu.readiness import pdf, presentation, selectors, services
from tidu.readiness.forms import ProfileForm
from tidu.readiness.models import ReadinessProfile

VIEWERS = (User.Role.ENTERPRISE, User.Role.TOWNSHIP, User.Role.CITY)


@role_required(User.Role.ENTERPRISE)
def mine(request):
    enterprise = enterprise_of(request.user)
    if enterprise is None:
        raise Http404(gettext("当前账号没有关联企业"))
    return redirect("readiness:enterprise", pk=enterprise.pk)


def _page_data(request, enterprise: Enterprise) -> dict:
    """The enterprise sees its live diagnosis; a township or the city sees the latest snapshot it kept."""
    latest = selectors.snapshots_visible_to(request.user).filter(enterprise=enterprise).first()
    data = {"enterprise": enterprise, "live": False, "result": None, "source": "", "latest": latest,
            "progress": services.progress(enterprise)}
    if permissions.role_of(request.user) == User.Role.ENTERPRISE:
        found = services.readiness_of(enterprise)
        if found is not None:
            basis, readiness = found
            data.update(live=True, result=presentation.labelled(readiness.as_dict()), source=basis.source,
                        has_application=basis.application is not None)
    elif latest is not None:
        data.update(result=presentation.labelled(latest.result()), source=latest.source)
    if data["result"] is not None:
        data["radar"] = presentation.radar(data["result"])
    return data


def _enterprise(request, pk: int) -> Enterprise:
    return get_object_or_404(enterprises_visible_to(request.user), pk=pk)


@role_required(User.Role.ENTERPRISE)
def profile(request):
    """The readiness-only form, for an enterprise that has no 申报书 to diagnose from."""
    company = enterprise_of(request.user)
    policy = services.policy_for_profile()
    if company is None or policy is None:
        raise Http404(gettext("当前账号没有关联企业，或还没有申报批次"))
    saved = ReadinessProfile.objects.filter(enterprise=company).first()
    initial = {}
    if saved is not None:
        initial = {"maturity_level": saved.maturity_level, "scope": saved.scope,
                   "scenarios": [s["id"] for s in saved.scenarios],
                   "ai_scenarios": [s["id"] for s in saved.scenarios if s.get("uses_ai")]}
    form = ProfileForm(request.POST or None, initial=initial, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(company, request.user, form.profile_values())
        except TiduError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("已保存就绪度自评信息。"))
            return redirect("readiness:enterprise", pk=company.pk)
    return render(request, "readiness/profile.html", {"form": form, "enterprise": company})


@role_required(*VIEWERS)
def enterprise(request, pk: int):
    company = _enterprise(request, pk)
    return render(request, "readiness/enterprise.html", _page_data(request, company))


@require_POST
@role_required(*VIEWERS)
def snapshot(request, pk: int):
    company = _enterprise(request, pk)
    if permissions.role_of(request.user) != User.Role.ENTERPRISE:
        raise PermissionDenied(gettext("只有企业本身可以保存诊断快照"))
    try:
        made = services.take_snapshot(company, request.user)
    except TiduError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("已保存 %(date)s 的诊断快照。") % {"date": date_zh(made.taken_at)})
    return redirect("readiness:enterprise", pk=company.pk)


@role_required(*VIEWERS)
def enterprise_pdf(request, pk: int):
    company = _enterprise(request, pk)
    data = _page_data(request, company)
    if data["result"] is None:
        raise Http404(gettext("还没有可打印的诊断结果"))
    content = pdf.render_readiness_pdf(company, data["result"], source=data["source"])
    return attachment(content, f"{company.name}-就绪度诊断.pdf", "application/pdf")


@role_required(User.Role.CITY, User.Role.TOWNSHIP)
def city(request):
    call = call_list().first()
    tiers = []
    if call is not None:
        policy = call_policy_for(call)
        tiers = [{"id": t["id"], "name": t["name"], "rank": t["rank"]}
                 for t in sorted(policy.tier_map.values(), key=lambda t: t["rank"])]
    data = selectors.distribution(request.user, tiers)
    latest = (selectors.latest_snapshots_visible_to(request.user).select_related("enterprise")
              .order_by("-current_rank", "domains_short", "enterprise__name")[:200])
    names = {t["id"]: t["name"] for t in tiers}
    run = services.current_snapshot_run() if permissions.role_of(request.user) == User.Role.CITY else None
    return render(request, "readiness/city.html", {
        "run": run, "may_start": permissions.role_of(request.user) == User.Role.CITY,
        "data": data, "tiers": tiers, "chart": presentation.distribution_chart(data),
        "rows": [{"snapshot": s, "current": names.get(s.current_tier, ""), "next": names.get(s.next_tier, "")}
                 for s in latest]})


@require_POST
@role_required(User.Role.CITY)
def snapshot_all(request):
    """Start “为全部企业生成诊断快照”; with a run still unfinished (its worker stopped), go on with it from where it
    stopped instead."""
    run = services.current_snapshot_run()
    if run is not None and run.finished_at is None:
        services.enqueue_snapshot_run(run)
        messages.info(request, gettext("已继续生成诊断快照（从上次完成处继续）。"))
        return redirect("readiness:city")
    try:
        run = services.start_snapshot_run(request.user)
    except TiduError as error:
        messages.error(request, str(error))
    else:
        if run.finished_at is not None:
            messages.success(request, gettext("已为 %(done)s 家企业生成诊断快照。") % {"done": run.done})
        else:
            messages.info(request, gettext("已开始在后台生成诊断快照，本页显示进度。"))
    return redirect("readiness:city")
