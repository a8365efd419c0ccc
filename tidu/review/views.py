"""Pages of the township's dashboard and 推荐名单, the city's intake, batch actions and 形式审查.

Views stay thin: they parse the request, find objects through the selectors (anything outside the user's
scope is a 404), call the services and render. No rule is decided here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tidu.accounts.models import User
from tidu.accounts.permissions import role_of, role_required, unit_of
from tidu.applications import revision
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS
from tidu.applications.selectors import applications_visible_to, prepare_rows
from tidu.applications.workflow import STATE_LABELS, State, state_label
from tidu.core import clock
from tidu.core.downloads import attachment
from tidu.core.rows import options_html, url_for_each
from tidu.core.timezones import local_day
from tidu.documents.services import DocumentError, recommendation_list_title, render_recommendation_list
from tidu.documents.sheets import sheet_response
from tidu.enterprises import industries
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review import operations, selectors, services
from tidu.review.models import FormalReview, RecommendationList
from tidu.review.sheets import formal_review_sheet
from tidu.review.workflow import LIST_ACTIONS

Role = User.Role
CITY_ROLES = (Role.CITY,)  # 系统管理员 is not city (accounts.permissions)
PAGE_SIZE = 25
# The history's labels come from the lifecycle table (msgids marked there with gettext_noop).
LIST_ACTION_LABELS = {spec.action: _(spec.label) for spec in LIST_ACTIONS}
REFUSALS = services.REFUSALS


def _error_text(error) -> str:
    return error.message + ("".join(f" {d}；" for d in error.details) if error.details else "")


# --- township ------------------------------------------------------------------------------------------

def _dashboard_context(request, call, **extra):
    now = clock.now()
    data = selectors.township_dashboard(request.user, call, request.GET.get("page"))
    deadlines = []
    if call is not None:
        deadlines = [{"label": gettext("乡镇推荐截止"), **selectors.deadline_info(call.township_deadline_on, now)},
                     {"label": gettext("企业申报截止"), **selectors.deadline_info(call.closes_on, now)}]
    rlist = data["rlist"]
    list_blocker = services.township_blocker(rlist, now) if rlist else (
        None if call is None or not services.deadline_passed(call, now)
        else gettext("乡镇推荐截止时间已过，不能再建立推荐名单"))
    return {**data, "call": call, "table": _dashboard_table(data, list_blocker),
            "calls": Call.objects.order_by("-year", "code"),
            "deadlines": deadlines, "now": now,
            "list_blocker": list_blocker,
            "query": urlencode({"call": call.code}) if call else "",
            "register_url": request.build_absolute_uri(reverse("enterprises:register")), **extra}


def _dashboard_table(data, list_blocker) -> list[dict]:
    """The dashboard's rows as flat dicts of what they print (a template's lookup in a dict hits at the first try;
    on a model or a dataclass it first fails on ``row["x"]``); links, times and the 审核 check come prepared by
    ``selectors.township_dashboard``."""
    decide_label, view_label = mark_safe(gettext("审核")), mark_safe(gettext("查看"))
    table, status_names = [], {}  # get_status_display rebuilds the field's choices on every call: once a status
    for row in data["rows"]:
        a, enterprise = row.application, row.enterprise
        if enterprise.status not in status_names:
            status_names[enterprise.status] = enterprise.get_status_display()
        table.append({
            "application": a, "pk": a.pk if a else None, "name": enterprise.name,
            "addable": a is not None and a.pk in data["addable_ids"] and not list_blocker,
            "credit_code": enterprise.credit_code, "industry": enterprise.industry_code,
            "enterprise_status": status_names[enterprise.status], "is_draft": row.is_draft,
            "status": a.status if a else "", "status_label": a.status_label if a else "",
            "revision": a.row_revision if a else None, "receipt_number": row.receipt_number,
            "submitted": a.row_submitted if row.submitted_at else "", "verdict": bool(row.verdict),
            "outcome": row.verdict.outcome if row.verdict else "", "outcome_label": a.row_outcome if a else "",
            "has_counts": row.has_counts, "counts": row.counts, "on_list": row.on_list, "priority": row.priority,
            "review_url": a.row_review_url if a else "", "decide": bool(a and a.can_decide),
            "button": decide_label if a and a.can_decide else view_label})
    return table


def _require_unit(request):
    unit = unit_of(request.user)
    if unit is None:
        raise PermissionDenied(gettext("账号尚未关联乡镇（办事处、农场、开发区），请联系管理员。"))
    return unit


@role_required(Role.TOWNSHIP)
@require_GET
def township_dashboard(request):
    unit = _require_unit(request)
    call = selectors.call_from(request.GET.get("call"), unit)
    return render(request, "review/township_dashboard.html", _dashboard_context(request, call))


@role_required(Role.TOWNSHIP)
@require_POST
def invite(request):
    unit = _require_unit(request)
    call = selectors.call_from(request.POST.get("call"))
    text = request.POST.get("emails", "")
    try:
        sent = services.invitations_send(unit=unit, call=call, emails_text=text, user=request.user,
                                         register_url=request.build_absolute_uri(reverse("enterprises:register")))
    except REFUSALS as error:
        return render(request, "review/township_dashboard.html",
                      _dashboard_context(request, call, invite_error=error, invite_text=text), status=400)
    failed = [i.email for i in sent if not i.sent_at]
    messages.success(request, gettext("已发送邀请 %(sent)s 封") % {"sent": len(sent) - len(failed)} +
                     (gettext("；%(count)s 封发送失败：%(failed)s") % {"count": len(failed), "failed": "、".join(failed)} if failed else ""))
    return redirect(reverse("review:township_dashboard") + "?" + urlencode({"call": call.code}) + "#invite"
                    if call else reverse("review:township_dashboard"))


@role_required(Role.TOWNSHIP)
@require_POST
def list_add(request):
    unit = _require_unit(request)
    call = selectors.call_from(request.POST.get("call"))
    if call is None:
        raise Http404(gettext("没有申报批次"))
    ids = [int(x) for x in request.POST.getlist("application") if x.isdigit()]
    applications = list(applications_visible_to(request.user).filter(pk__in=ids, call=call))
    back = reverse("review:township_dashboard") + "?" + urlencode({"call": call.code})
    if len(applications) != len(set(ids)):
        raise Http404(gettext("找不到所选申报"))
    try:
        rlist = services.list_for(call=call, unit=unit, user=request.user)
        added = services.entries_add(rlist=rlist, applications=applications, user=request.user)
    except REFUSALS as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(request, gettext("已列入推荐名单：%(added)s") % {"added": "、".join(e.application.enterprise.name for e in added)})
    return redirect("review:list_detail", pk=rlist.pk)


# --- one 推荐名单 ----------------------------------------------------------------------------------------

def _get_list(request, pk) -> RecommendationList:
    return get_object_or_404(selectors.lists_visible_to(request.user), pk=pk)


def _list_context(request, rlist, **extra):
    now = clock.now()
    officer = services.is_officer_of(request.user, rlist.unit)
    editable = bool(operations.EditEntries(rlist, now=now).check(request.user))
    blocker = services.township_blocker(rlist, now) if officer else None
    send_blocker = services.send_blocker(rlist, now) if officer else None
    events = []
    for event in rlist.events.select_related("actor"):
        events.append({"event": event, "label": LIST_ACTION_LABELS.get(event.action, event.action),
                       "role": dict(Role.choices).get(event.actor_role, event.actor_role),
                       "to_label": RecommendationList.Status(event.to_status).label
                       if event.to_status in RecommendationList.Status.values else event.to_status})
    addable = []
    if editable:
        addable = list(applications_visible_to(request.user).filter(
            call=rlist.call, status=State.TOWNSHIP_RECOMMENDED, recommendation_entry__isnull=True))
    rows = selectors.list_rows(rlist)
    for row in rows:
        # An application the city has received stays on the list (RemoveEntry refuses it): no 移出 button.
        row["removable"] = editable and not services.received_by_city(row["application"])
    return {"rlist": rlist, "rows": rows, "officer": officer,
            "editable": editable, "blocker": blocker, "send_blocker": send_blocker,
            "sign_problems": services.sign_blockers(rlist) if editable else [],
            "deadline": selectors.deadline_info(rlist.call.township_deadline_on, now),
            "reopen_pending": services.reopen_pending(rlist), "events": events, "addable": addable,
            "typed": {}, **extra}


@role_required(Role.TOWNSHIP, *CITY_ROLES)
@require_GET
def list_detail(request, pk):
    rlist = _get_list(request, pk)
    return render(request, "review/list_detail.html", _list_context(request, rlist))


def _int_or_none(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@role_required(Role.TOWNSHIP)
@require_POST
def list_edit(request, pk):
    """Save order numbers and opinions; then apply an ↑/↓ move or a removal if one of those buttons was used."""
    rlist = _get_list(request, pk)
    posted_ids = [_int_or_none(x) for x in request.POST.get("entries", "").split(",") if x.strip()]
    opinions, positions, problems = {}, {}, []
    for entry_id in posted_ids:
        if entry_id is None:
            continue
        opinions[entry_id] = request.POST.get(f"opinion-{entry_id}", "")
        raw = request.POST.get(f"position-{entry_id}", "")
        if raw.strip():
            number = _int_or_none(raw)
            if number is None or not 1 <= number <= len(posted_ids):
                problems.append(gettext("顺序号“%(raw)s”无效，应为 1 到 %(posted_ids)s 之间的整数") % {"raw": raw, "posted_ids": len(posted_ids)})
            else:
                positions[entry_id] = number
    typed = {"opinions": opinions, "positions": {k: request.POST.get(f"position-{k}", "") for k in opinions}}
    if problems or None in posted_ids:
        error = services.ReviewError(gettext("未保存："), problems or [gettext("页面数据不完整，请刷新后重试")])
        return render(request, "review/list_detail.html", _list_context(request, rlist, error=error, typed=typed),
                      status=400)
    order = services.order_from_positions(posted_ids, positions)
    for name, delta in (("up", -1), ("down", 1)):
        moved = _int_or_none(request.POST.get(name))
        if moved is not None:
            order = services.move(order, moved, delta)
    try:
        changed = services.entries_update(rlist=rlist, order=order, opinions=opinions, user=request.user)
        removed = _int_or_none(request.POST.get("remove"))
        if removed is not None:
            services.entry_remove(rlist=rlist, entry_id=removed, user=request.user)
            messages.success(request, gettext("已移出推荐名单"))
        elif changed:
            messages.success(request, gettext("已保存推荐顺序和推荐意见"))
    except REFUSALS as error:
        rlist.refresh_from_db()
        return render(request, "review/list_detail.html", _list_context(request, rlist, error=error, typed=typed),
                      status=400)
    return redirect(reverse("review:list_detail", args=[rlist.pk]) + "#entries")


def _list_step(step, success: str, *, roles=(Role.TOWNSHIP,), with_reason=False):
    @role_required(*roles)
    @require_POST
    def view(request, pk):
        rlist = _get_list(request, pk)
        kwargs = {"reason": request.POST.get("reason", "")} if with_reason else {}
        try:
            step(rlist=rlist, user=request.user, **kwargs)
        except REFUSALS as error:
            rlist.refresh_from_db()
            return render(request, "review/list_detail.html",
                          _list_context(request, rlist, error=error, typed={"reason": kwargs.get("reason", "")}),
                          status=400)
        messages.success(request, success)
        return redirect("review:list_detail", pk=rlist.pk)

    view.__name__ = step.__name__
    return view


list_sign = _list_step(services.list_sign, _("推荐名单已签发，内容已冻结；请报送市经信局"))
list_unsign = _list_step(services.list_unsign, _("已撤销签发，可以继续修改"))
list_send = _list_step(services.list_send, _("推荐名单已报送市经信局"))
list_reopen = _list_step(services.list_reopen, _("已退回推荐名单，乡镇可修改后重新报送一次"), roles=CITY_ROLES,
                         with_reason=True)


def _export_entries(rlist):
    """A signed or sent list prints its frozen snapshot; a list being edited prints its current entries."""
    if rlist.is_frozen and rlist.snapshot.get("entries"):
        return rlist.snapshot["entries"], local_day(rlist.signed_at) if rlist.signed_at else None
    policy = call_policy_for(rlist.call)
    rows = []
    for row in selectors.list_rows(rlist):
        application = row["application"]
        tier = policy.find_tier(application.tier)
        rows.append({"enterprise_name": application.enterprise.name, "credit_code": application.enterprise.credit_code,
                     "tier_name": tier["name"] if tier else application.tier, "recommendation": row["entry"].opinion})
    return rows, None


@role_required(Role.TOWNSHIP, *CITY_ROLES)
@require_GET
def list_export(request, pk, fmt):
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    rlist = _get_list(request, pk)
    entries, day = _export_entries(rlist)
    title = recommendation_list_title(call_policy_for(rlist.call))
    filename = f"{rlist.unit.name}-{title}"
    try:
        content, content_type = render_recommendation_list(fmt, unit_name=rlist.unit.name, date=day, entries=entries,
                                                           title=title)
    except DocumentError as error:
        return render(request, "review/error.html", {"message": error.message, "back": reverse(
            "review:list_detail", args=[rlist.pk])}, status=503)
    return attachment(content, f"{filename}.{fmt}", content_type)


# --- city intake ---------------------------------------------------------------------------------------

def _industry_choices():
    choices = []
    for section in industries.catalogue().sections:
        choices.append((section.code, gettext("%(code)s %(name)s（整个门类）") % {"code": section.code, "name": section.name}))
        choices += [(division.full_code, f"　{division.full_code} {division.name}") for division in section.divisions]
    return choices


def _intake_context(request, params, **extra):
    filters, problems = selectors.parse_intake_filters(params)
    applications = selectors.intake_applications(request.user, filters)
    page, status_counts, states = selectors.intake_page(applications, PAGE_SIZE, request.GET.get("page"),
                                                        grouped=selectors.intake_grouped(request.user, filters))
    rows = []
    tier_names = dict(selectors.tier_choices(filters.call))
    # Each row's links, times, labels and the 受理 check are prepared here, not per row in the template.
    receive_url, formal_url = url_for_each("review:receive"), url_for_each("review:formal_review")
    for application in prepare_rows(page.object_list, request.user, decide="application.city_receive", unit=True):
        entry = getattr(application, "recommendation_entry", None)
        summary = application.verdict_summary  # judged at submission, stored with the receipt
        counts = summary.counts if summary else {}
        # Flat values: a template's lookup in a dict hits at the first try (on a model it first fails on a["x"]).
        rows.append({"application": application, "verdict": summary, "counts": counts,
                     "has_counts": any(counts.values()), "outcome_label": application.row_outcome,
                     "entry": entry, "formal_open": operations.formal_review_open(application),
                     "tier_name": tier_names.get(application.tier, application.tier),
                     "receive_url": receive_url(application.pk) if application.can_decide else "",
                     "formal_url": formal_url(application.pk),
                     "unit": application.row_unit_name, "name": application.enterprise.name,
                     "industry": application.enterprise.industry_code, "status": application.status,
                     "status_label": application.status_label, "revision": application.row_revision,
                     "number": application.latest_number or "", "submitted": application.row_submitted,
                     "review_url": application.row_review_url, "has_formal_review": application.has_formal_review,
                     "list_unsent": "" if entry is None or entry.recommendation_list.is_sent
                     else entry.recommendation_list.get_status_display()})
    officer = any(services.may_batch(request.user, action) for action in services.BATCH_ACTIONS)
    query = urlencode(filters.as_params())
    units, industries = selectors.unit_choices(), _industry_choices()
    return {"filters": filters, "filter_problems": problems, "page": page, "rows": rows,
            "full_path": request.get_full_path(),
            "total": page.paginator.count, "status_counts": status_counts,
            "batch_actions": services.batch_actions_for(states) if officer else [],
            "officer": officer, "params": filters.as_params(), "query": query,
            "calls": Call.objects.order_by("-year", "code"), "units": units,
            "industries": industries, "tiers": selectors.tier_choices(filters.call),
            "statuses": [(s, gettext(state_label(s))) for s in STATE_LABELS if s != State.DRAFT],
            "findings_choices": [(value, gettext(label)) for value, label in selectors.FINDINGS_FILTERS],
            # The long option lists, printed at once (tidu.core.rows.options_html; the filter's value selected).
            "industry_options": options_html(industries, filters.industry),
            "unit_options": options_html(units, filters.unit.pk if filters.unit else None),
            "lists": selectors.intake_lists(filters.call),
            "recent_runs": selectors.batch_runs_visible_to(request.user)[:5], **extra}


@role_required(*CITY_ROLES)
@require_GET
def intake(request):
    return render(request, "review/intake.html", _intake_context(request, request.GET))


@role_required(*CITY_ROLES)
@require_POST
def batch(request):
    """Run a batch action on the WHOLE filtered set: the filter travels in the form and is applied again here."""
    filters, problems = selectors.parse_intake_filters(request.POST)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    if problems:
        error = services.ReviewError(gettext("筛选条件有误，未执行批量操作："), problems)
        return render(request, "review/intake.html",
                      _intake_context(request, request.POST, batch_error=error, typed_reason=reason), status=400)
    try:
        run = services.batch_run(applications=selectors.intake_applications(request.user, filters), action=action,
                                 user=request.user, reason=reason, filters=filters.as_params(),
                                 filters_text=filters.describe())
    except REFUSALS as error:
        return render(request, "review/intake.html",
                      _intake_context(request, request.POST, batch_error=error, typed_reason=reason,
                                      typed_action=action), status=400)
    return redirect("review:batch_result", pk=run.pk)


@role_required(*CITY_ROLES)
@require_GET
def batch_result(request, pk):
    """Progress and per-item results of a batch, paginated (only the shown page of items is read)."""
    run = get_object_or_404(selectors.batch_runs_visible_to(request.user), pk=pk)
    shown = request.GET.get("show", "")
    items = run.items.exclude(ok=None)
    if shown == "failed":
        items = items.filter(ok=False)
    elif shown == "ok":
        items = items.filter(ok=True)
    page = Paginator(items.order_by("position"), PAGE_SIZE).get_page(request.GET.get("page"))
    stale = run.finished_at is None and services.stale_batches(
        older_than=dt.timedelta(seconds=settings.TIDU_BATCH_STALE_SECONDS)).filter(pk=run.pk).exists()
    return render(request, "review/batch_result.html", {
        "run": run, "page": page, "shown": shown, "stale": stale, "filters_text": selectors.batch_filters_text(run), "state_labels": {s: gettext(state_label(s)) for s in STATE_LABELS},
        "back": reverse("review:intake") + "?" + urlencode(run.filters)})


def _get_application(request, pk) -> Application:
    return get_object_or_404(selectors.formal_review_applications(request.user), pk=pk)


@role_required(*CITY_ROLES)
@require_POST
def receive(request, pk):
    application = _get_application(request, pk)
    try:
        services.city_receive(application=application, user=request.user)
    except REFUSALS as error:
        messages.error(request, f"{application.enterprise.name}：{_error_text(error)}")
    except PermissionDenied:
        messages.error(request, gettext("受理由市经信局经办人办理"))
    else:
        messages.success(request, gettext("已受理：%(name)s") % {"name": application.enterprise.name})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/review/") else reverse("review:intake"))


# --- 形式审查 -------------------------------------------------------------------------------------------

def _formal_context(request, application, **extra):
    decidable = bool(operations.FormalReviewDecision(application).check(request.user))
    formal_open = operations.formal_review_open(application)
    items = services.formal_checklist(application) if formal_open else []
    groups = []
    for group in (services.MATERIALS, services.CONDITIONS):
        members = [item for item in items if item.group == group]
        if members:
            groups.append({"name": group, "items": members})
    # 自评估报告 and 申报书 disagree: said at the top as well as in its checklist row.
    report_mismatch = next((item for item in items if item.key == "evidence:maturity_report_match"
                            and not item.engine_checked), None)
    return {"application": application, "groups": groups, "decidable": decidable, "formal_open": formal_open,
            "report_mismatch": report_mismatch,
            "reviews": application.formal_reviews.select_related("reviewer"),
            "decisions": FormalReview.Decision.choices, "section_list": SECTIONS,
            "typed": None, **extra}


@role_required(*CITY_ROLES)
def formal_review(request, pk):
    application = _get_application(request, pk)
    if request.method == "GET":
        return render(request, "review/formal_review.html", _formal_context(request, application))
    if request.method != "POST":
        return HttpResponse(status=405)
    if operations.FormalReviewDecision(application).check(request.user).forbidden:
        raise PermissionDenied(gettext("形式审查由市经信局经办人办理。"))
    decision = request.POST.get("decision", "")
    keys = request.POST.getlist("item")
    # No checklist in the request (a client that does not show it): the engine's pre-fill stands as it is.
    checked = {key: request.POST.get(f"check-{key}") == "on" for key in keys} if keys else None
    reasons = {key: request.POST.get(f"why-{key}", "") for key in keys}
    section_reasons = {section.key: request.POST.get(f"reason-{section.key}", "") for section in SECTIONS} \
        if decision == FormalReview.Decision.RETURN else None
    due, due_reason, due_error = revision.parse_due(request.POST)
    try:
        if decision == FormalReview.Decision.RETURN and due_error:
            raise services.ReviewError(due_error)
        review = services.formal_review_decide(
            application=application, user=request.user, decision=decision, checked=checked,
            override_reasons=reasons, reason=request.POST.get("reason", ""), section_reasons=section_reasons,
            due_date=due, due_reason=due_reason)
    except REFUSALS as error:
        application.refresh_from_db()
        typed = {"decision": decision, "checked": checked or {}, "reasons": reasons,
                 "reason": request.POST.get("reason", ""),
                 "revision_due": request.POST.get("revision_due", ""),
                 "revision_due_reason": request.POST.get("revision_due_reason", ""),
                 "section_reasons": {s.key: request.POST.get(f"reason-{s.key}", "") for s in SECTIONS}}
        return render(request, "review/formal_review.html",
                      _formal_context(request, application, error=error, typed=typed), status=400)
    messages.success(request, f"{application.enterprise.name}：{review.get_decision_display()}")
    return redirect("review:formal_review", pk=application.pk)


@role_required(*CITY_ROLES)
@require_GET
def formal_review_sheet_download(request, pk, fmt):
    """The 形式审查表 to print (PDF or Word), for whoever may see the 形式审查."""
    application = _get_application(request, pk)
    if not selectors.can_view_formal_review(request.user, application):
        raise Http404
    try:
        return sheet_response(request, formal_review_sheet(application), fmt)
    except DocumentError as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")


def role_home(user) -> str | None:
    """Where the review side starts for this user (used by the nav)."""
    role = role_of(user)
    if role == Role.TOWNSHIP:
        return reverse("review:township_dashboard")
    if role in CITY_ROLES:
        return reverse("review:intake")
    return None
