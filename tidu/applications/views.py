"""Pages of the application wizard, the enterprise's status pages and the township's review.

Views stay thin: they parse the request, find the application through
``selectors.applications_visible_to`` (anything else is a 404), ask ``permissions`` before a write,
call ``services`` / ``evidence`` and render. No rule is decided here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tidu.accounts.models import User
from tidu.accounts.permissions import role_of
from tidu.applications import c3mep, counts, forms, operations, permissions, revision, selectors, services
from tidu.applications.evidence import EvidenceRejected, evidence_upload
from tidu.applications.models import Application, Evidence, Submission
from tidu.applications.sections import (
    SECTION_KEYS,
    SECTIONS,
    SECTIONS_BY_KEY,
    clean_section,
    derived_kpi_inputs,
    section_for,
    sections_for,
)
from tidu.applications.workflow import (
    EDITABLE_STATES,
    ENTERPRISE_ACTIONS,
    FINAL_STATES,
    LIST_SENT,
    TRANSITIONS,
    TRANSITIONS_BY_ACTION,
    State,
    state_label,
)
from tidu.core import clock
from tidu.core.dates import date_zh
from tidu.core.operations import operation
from tidu.core.paging import page_of, page_of_groups
from tidu.core.timezones import local_day, local_time
from tidu.eligibility.interchange import InterchangeError
from tidu.enterprises.selectors import enterprise_of, enterprises_visible_to
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for, kpi_catalogue, scenario_catalogue

Role = User.Role
CITY_ROLES = (Role.CITY,)  # 系统管理员 is not city (accounts.permissions)
# What the enterprise is told to expect next, once its part is done.
WAITING_FOR = {
    State.SUBMITTED: gettext_lazy("等待所属乡镇（办事处、农场、开发区）审核推荐"),
    State.TOWNSHIP_RECOMMENDED: gettext_lazy("乡镇已推荐，等待乡镇报送推荐名单"),
    LIST_SENT: gettext_lazy("乡镇已报送推荐名单，等待市经信局受理"),
    State.RECEIVED: gettext_lazy("市经信局已受理，等待形式审查"),
    State.FORMAL_PASSED: gettext_lazy("形式审查已通过，等待专家评审"),
    State.EXPERT_REVIEW: gettext_lazy("专家评审中，请保持联系人电话畅通"),
    State.EXPERT_REVIEWED: gettext_lazy("专家评审已完成，等待现场核查，请做好配合准备"),
    State.ONSITE_VERIFIED: gettext_lazy("现场核查已完成，等待认定"),
    State.PROPOSED: gettext_lazy("已列入拟认定名单，公示中"),
}
CALL_STATE_LABELS = {"open": gettext_lazy("申报中"), "upcoming": gettext_lazy("未开始"), "closed": gettext_lazy("已截止")}
# Chinese labels marked for translation (gettext_noop); translated when shown.
ACTION_LABELS = {"create": gettext_noop("创建申报草稿"), **{t.action: t.label for t in TRANSITIONS_BY_ACTION.values()}}


# --- access --------------------------------------------------------------------------------------

def login_required(view):
    """Anonymous visitors go to the login page; an htmx request is told to go there instead of swapping it in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.headers.get("HX-Request"):
                response = HttpResponse(_("登录已过期，请重新登录"), status=401)
                response["HX-Redirect"] = redirect_to_login(request.headers.get("HX-Current-URL")
                                                            or request.get_full_path()).url
                return response
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _role(user) -> str | None:
    return role_of(user)


def _require_role(request, *roles) -> None:
    if _role(request.user) not in roles:
        raise PermissionDenied(_("当前账号的角色无权访问此页面。"))


def _visible(user):
    """Applications the user may open (drafts are the enterprise's own business: see ``selectors``)."""
    return selectors.applications_visible_to(user)


def _get_application(request, pk: int) -> Application:
    return get_object_or_404(_visible(request.user), pk=pk)


def _section_or_404(key: str):
    section = SECTIONS_BY_KEY.get(key)
    if section is None:
        raise Http404("申报书中没有这一部分")
    return section


def _require_edit(user, application: Application) -> None:
    if not permissions.can_edit(user, application):
        raise PermissionDenied(_("只有申报企业本身可以修改申报内容。"))


# --- shared pieces -------------------------------------------------------------------------------

def _now() -> dt.datetime:
    """The time business rules are judged at (real time, or the demo clock TIDU_NOW)."""
    return clock.now()


def _hms(moment: dt.datetime) -> str:
    """A saved record's time of day in 北京时间 (records use the real time, never the demo clock)."""
    return local_time(moment).strftime("%H:%M:%S")


def _verdict(application: Application, policy):
    """系统判定 for a page, or (None, problems) when the data cannot be judged.

    Once submitted (and not open for 补正), the verdict judged at submission and stored with the receipt; a draft
    or an application under 补正 is judged live (the panel says whether submitting now would be in time).
    """
    if application.status not in EDITABLE_STATES:
        stored = services.stored_verdict(application.latest_submission())
        if stored is not None:
            return stored, None
    return _live_verdict(application, policy)


def _live_verdict(application: Application, policy):
    """The engine's verdict for the content as stored now (a draft is judged as if submitted now)."""
    try:
        return services.application_verdict(application, policy), None
    except InterchangeError as error:
        return None, error.problems


def _deadlines(policy, now: dt.datetime) -> list[dict]:
    today = local_day(now, policy)
    items = []
    for label, last_day in ((_("企业申报截止"), policy.window_closes), (_("乡镇推荐截止"), policy.township_deadline)):
        days = (last_day - today).days
        items.append({"label": label, "last_day": last_day,
                      "closes_before": policy.end_of_day_exclusive(last_day), "days": days,
                      "state": "passed" if days < 0 else "today" if days == 0 else "ahead"})
    return items


def _call_state(call: Call, now: dt.datetime) -> str:
    if now < call.opens_at:
        return "upcoming"
    return "open" if now < call.closes_before else "closed"


def _tier_name(policy, tier: str) -> str:
    found = policy.find_tier(tier)
    return found["name"] if found else tier


def _progress_map(progress) -> dict:
    return {item.key: item for item in progress}


def _neighbours(key: str) -> tuple[str | None, str | None]:
    index = SECTION_KEYS.index(key)
    return (SECTION_KEYS[index - 1] if index > 0 else None,
            SECTION_KEYS[index + 1] if index + 1 < len(SECTION_KEYS) else None)


def _section_url(application: Application, key: str) -> str:
    return reverse("applications:section", args=[application.pk, key])


def _first_open_section(progress) -> str:
    for item in progress:
        if item.editable and not item.complete:
            return item.key
    for item in progress:
        if item.editable:
            return item.key
    return SECTION_KEYS[0]


# --- home and lists ------------------------------------------------------------------------------

@login_required
@require_GET
def home(request):
    role = _role(request.user)
    if role == Role.TOWNSHIP:
        return redirect("applications:unit_list")
    if role in CITY_ROLES:
        return redirect("applications:all_list")
    if role != Role.ENTERPRISE:
        raise PermissionDenied(_("当前账号的角色无权访问此页面。"))
    enterprise = enterprise_of(request.user)
    now = _now()
    rows, started = [], set()
    policies = {}
    applications = selectors.applications_visible_to(request.user).prefetch_related("submissions")
    for application in applications:
        policy = policies.setdefault(application.call_id, call_policy_for(application.call))
        progress = services.application_progress(application, policy, request.user)
        rows.append({"application": application, "tier_name": _tier_name(policy, application.tier),
                     "complete": sum(1 for item in progress if item.complete), "total": len(progress),
                     "submission": application.latest_submission(),
                     "continue_key": _first_open_section(progress),
                     # The 待办 card: the parts still to complete, where the enterprise may still edit them.
                     "open_parts": [item for item in progress if not item.complete and item.editable]})
        started.add((application.call_id, application.tier))
    calls, deadlines = [], []
    applied_calls = {call_id for call_id, _tier in started}
    region = enterprise.registered_region if enterprise is not None else ""
    for call in Call.objects.select_related("call_pack").order_by("-year", "code"):
        policy = policies.setdefault(call.pk, call_policy_for(call))
        # Offered: the calls whose region the enterprise is registered in (the 注册地 clause's own test), and any
        # it has already started; with no registered region yet, every call.
        if region and call.pk not in applied_calls and not policy.covers_region(region):
            continue
        state = _call_state(call, now)
        tier = policy.call_tier
        if state != "closed":
            # The 待办 card names the first deadline of a call the enterprise is applying in, if any.
            group = {"call": call, "items": _deadlines(policy, now)}
            if call.pk in applied_calls:
                deadlines.insert(0, group)
            else:
                deadlines.append(group)
        calls.append({"call": call, "state": state, "state_label": CALL_STATE_LABELS[state], "closed": state == "closed",
                      "tier": tier, "started": (call.pk, tier["id"]) in started})
    try:
        register_url = reverse("enterprises:my_enterprise")
    except NoReverseMatch:
        register_url = None
    return render(request, "applications/home.html", {
        "enterprise": enterprise, "rows": rows, "calls": calls, "deadlines": deadlines,
        "register_url": register_url})


@login_required
@require_POST
def start(request):
    _require_role(request, Role.ENTERPRISE, Role.TOWNSHIP)
    if _role(request.user) == Role.TOWNSHIP:
        # An officer the enterprise lets prepare its applications (a delegation) starts one on its behalf.
        raw = request.POST.get("enterprise") or ""
        enterprise = enterprises_visible_to(request.user).filter(pk=raw).first() if raw.isdigit() else None
        if enterprise is None or not permissions.can_start_application(request.user, enterprise):
            raise PermissionDenied(_("该企业未委托您代为填报。"))
    else:
        enterprise = enterprise_of(request.user)
    if enterprise is None:
        raise PermissionDenied(_("账号尚未关联企业，请先完成企业登记。"))
    call = get_object_or_404(Call, code=request.POST.get("call", ""))
    policy = call_policy_for(call)
    try:
        application = services.application_start(enterprise=enterprise, call=call, tier=policy.call_tier["id"],
                                                 user=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect("applications:home")
    return redirect(_section_url(application, _first_open_section(
        services.application_progress(application, policy, request.user))))


LIST_PAGE_SIZE = 50


def _list_page(request, applications, *, within_unit: tuple[str, ...] | None = None, sizes: dict | None = None):
    """One page of a list, read in SQL: the latest receipt's number, time and stored verdict (judged at submission)
    come as annotated columns (``selectors.with_latest_submission``), never by loading and decoding submissions."""
    applications = selectors.with_latest_submission(
        applications.select_related("enterprise__organisation__parent", "call"))
    if within_unit:  # grouped by the stored unit: only the units the page shows are sorted
        page = page_of_groups(applications, LIST_PAGE_SIZE, request.GET.get("page"), group="unit",
                              group_order="unit__name", within=within_unit, sizes=sizes)
    else:
        page = page_of(applications, LIST_PAGE_SIZE, request.GET.get("page"))
    page.object_list = selectors.prepare_rows(page.object_list, request.user, unit=within_unit is not None,
                                              decide="application.township_recommend")
    # Each row as a flat dict of what it prints: the template's lookups then hit at the first try (on a model
    # instance every ``{{ a.x }}`` first tries ``a["x"]`` and fails), and the button's label is translated once.
    decide_label, view_label = mark_safe(gettext("审核")), mark_safe(gettext("查看"))
    page.rows = [{
        "application": a, "name": a.enterprise.name, "unit": getattr(a, "row_unit_name", ""), "call": a.call.title,
        "status": a.status, "status_label": a.status_label, "revision": a.row_revision,
        "number": a.latest_number, "submitted": a.row_submitted, "verdict": bool(a.verdict_summary),
        "outcome": a.verdict_summary.outcome if a.verdict_summary else "", "outcome_label": a.row_outcome,
        "review_url": a.row_review_url, "awaits_unit": a.status == State.SUBMITTED,
        "button": decide_label if a.can_decide else view_label} for a in page.object_list]
    return page


@login_required
@require_GET
def unit_list(request):
    _require_role(request, Role.TOWNSHIP)
    applications = _visible(request.user).order_by("status", "-updated_at", "pk")
    return render(request, "applications/unit_list.html", {
        "page": _list_page(request, applications), "unit": request.user.organisation, "scope": "unit"})


@login_required
@require_GET
def all_list(request):
    _require_role(request, *CITY_ROLES)
    applications = _visible(request.user)
    status = request.GET.get("status", "")
    if status:
        applications = applications.filter(status=status)
    # The units' sizes from the stored per-call counts, not a GROUP BY over every application.
    grouped = counts.grouped_visible(request.user, status=status)
    sizes = counts.unit_sizes(grouped) if grouped is not None else None
    return render(request, "applications/unit_list.html", {
        "page": _list_page(request, applications, within_unit=("status", "pk"), sizes=sizes), "scope": "all",
        "status": status,
        "query": urlencode({"status": status}) if status else "",
        "statuses": [(s, label) for s, label in Application._meta.get_field("status").choices if s != State.DRAFT]})


@login_required
@require_GET
def wizard(request, pk):
    application = _get_application(request, pk)
    progress = services.application_progress(application, user=request.user)
    return redirect(_section_url(application, _first_open_section(progress)))


# --- one section of the wizard -----------------------------------------------------------------------

def _evidence_groups(application: Application, section, policy, raw) -> list[dict]:
    """Upload slots for the section: its fixed topics, or one per selected scenario, plus any orphans."""
    if section.key == "scenarios":
        topics = []
        rows = (raw or {}).get("scenarios") if isinstance((raw or {}).get("scenarios"), list) else []
        for row in rows:
            scenario_id = str((row or {}).get("id") or "").strip() if isinstance(row, dict) else ""
            if scenario_id in policy.scenario_map and scenario_id not in dict(topics):
                topics.append((scenario_id, f"{scenario_id} {policy.scenario_map[scenario_id]['name']}"))
    else:
        topics = list(section.evidence_topics)
    items = defaultdict(list)
    for item in application.evidence.filter(section=section.key).select_related("uploaded_by"):
        items[item.topic].append(item)
    stated = policy.evidence_requirements
    groups = [{"topic": topic, "label": label, "items": items.pop(topic, []),
               "note": policy.conditions.get(topic, ""), "required": services.evidence_required(policy, topic),
               "basis": stated.get(topic, {}).get("basis", "")} for topic, label in topics]
    groups += [{"topic": topic, "label": _("%(topic)s（已不在本部分中）") % {"topic": topic}, "items": rest,
                "orphan": True, "note": ""} for topic, rest in items.items()]
    return groups


def _topic_label(policy, section_key: str | None, topic: str) -> str:
    specs = [section_for(section_key, policy)] if section_key in SECTIONS_BY_KEY else sections_for(policy)
    labels = {key: label for spec in specs for key, label in spec.evidence_topics}
    if topic in labels:
        return labels[topic]
    if topic in policy.scenario_map:
        return f"{topic} {policy.scenario_map[topic]['name']}"
    return topic


def _allowed_topics(section, policy) -> set[str]:
    if section.key == "scenarios":
        return set(policy.scenario_map)
    return {topic for topic, _ in section_for(section.key, policy).evidence_topics}


def _summary(section, data, policy) -> list[tuple[str, str]]:
    """(label, text) for every field of a section's input, for showing two versions side by side."""
    data = data if isinstance(data, dict) else {}
    if section.key == "kpis":
        out = []
        for kpi_id, kpi in policy.kpi_map.items():
            given = data.get(kpi_id) if isinstance(data.get(kpi_id), dict) else {}
            text = "，".join(f"{spec['name']} {given[spec['key']]}" for spec in kpi["inputs"]
                            if str(given.get(spec["key"]) or "").strip())
            out.append((f"{kpi_id} {kpi['name']}", text))
        return out
    clean = clean_section(section, data, policy)
    out = []
    for bound in forms.bind_section(section, data, clean, policy, blank_rows=0):
        if isinstance(bound, forms.BoundRows):
            lines = ["；".join(f"{cell.spec.label}：{cell.display}" for cell in row if cell.value.strip())
                     for row in bound.rows]
            out.append((bound.spec.label, "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1) if line)))
        else:
            out.append((bound.spec.label, bound.display))
    return out


def _conflict_context(section, typed, latest, policy) -> dict:
    mine = dict(_summary(section, typed, policy))
    theirs = _summary(section, latest.data, policy)
    rows = [{"label": label, "mine": mine.get(label, ""), "theirs": text} for label, text in theirs]
    return {"differences": [row for row in rows if row["mine"].strip() != row["theirs"].strip()],
            "revision": latest.revision,
            "updated_by": latest.updated_by.display_name if latest.updated_by else "",
            "updated_at": latest.updated_at}


def _section_context(request, application, section, policy, *, raw, base_revision, progress=None,
                     verdict=None, verdict_problems=None) -> dict:
    section = section_for(section.key, policy)  # the step as this call asks for it (declared clauses)
    progress = progress or services.application_progress(application, policy, request.user)
    current = _progress_map(progress)[section.key]
    # Open for editing only if the save itself is allowed for this user and part (a delegate may prepare the
    # application but never sign the 真实性承诺: the operation says so, the page shows it read-only with why).
    refusal = ""
    if current.editable:
        may_save = operations.SectionSave(application, key=section.key).check(request.user)
        if not may_save:
            current = dataclasses.replace(current, editable=False)
            progress = [current if item.key == current.key else item for item in progress]
            refusal = may_save.reason
    clean = clean_section(section, raw, policy)
    if verdict is None and verdict_problems is None:
        verdict, verdict_problems = _verdict(application, policy)
    catalogue = scenario_catalogue(policy)
    context = {
        "application": application, "policy": policy, "section": section, "sections": SECTIONS,
        "progress": progress, "current": current, "raw": raw, "clean": clean, "base_revision": base_revision,
        # One token per open form (tab); kept across re-renders of the same form.
        "editor_token": request.POST.get("editor_token") or uuid.uuid4().hex,
        "editable": current.editable, "verdict": verdict, "verdict_problems": verdict_problems,
        "tier_name": _tier_name(policy, application.tier),
        "is_owner": permissions.can_edit(request.user, application),
        "returned_state": application.status == State.RETURNED, "save_refusal": refusal,
    }
    if section.key == "kpis":
        derived = _derived_kpis(application, policy)
        if derived:
            raw = {**(raw if isinstance(raw, dict) else {}), **derived}
            clean = context["clean"] = clean_section(section, raw, policy)
            context["raw"] = raw
        context["derived_kpis"] = derived
        context["kpi_categories"] = forms.bind_kpis(raw, clean, kpi_catalogue(policy))
    else:
        context["fields"] = forms.bind_section(section, raw, clean, policy)
    if section.key == "scenarios":
        context["scenario_groups"] = forms.grouped_scenarios(catalogue)
        context["scenario_gists"] = {sid: s.get("gist", "") for sid, s in policy.scenario_map.items()}
    if section.evidence_topics or section.key == "scenarios":
        context["evidence_groups"] = _evidence_groups(application, section, policy, raw)
        context["evidence_editable"] = current.editable
    context["prev_key"], context["next_key"] = _neighbours(section.key)
    return context


def _error_summary(context) -> list[dict]:
    """Every field with an error, in page order, each linking to its input (the GOV-style summary at the top)."""
    items = []

    def add(bound, label):
        if bound.error:
            items.append({"label": label, "message": bound.error, "anchor": bound.html_id})

    for item in context.get("fields") or []:
        if item.is_rows:
            if item.message and item.message_is_error:
                items.append({"label": item.spec.label, "message": item.message, "anchor": item.msg_id})
            for number, row in enumerate(item.rows, start=1):
                for bound in row:
                    add(bound, _("%(table)s第 %(n)s 行：%(label)s") % {"table": item.spec.label, "n": number,
                                                                    "label": bound.spec.label})
        else:
            add(item, item.spec.label)
    for category in context.get("kpi_categories") or []:
        for kpi in category.bound:
            for bound in kpi.inputs:
                add(bound, f"{kpi.kpi.get('name', '')} · {bound.spec.label}")
    return items


def _render_section(request, context, status=200):
    if context.get("editable") and (status == 400 or request.GET.get("check")):
        context["error_summary"] = _error_summary(context)
    return render(request, "applications/section.html", context, status=status)


def _parse_revision(request) -> int:
    try:
        return int(request.POST.get("base_revision", ""))
    except ValueError:
        return -1  # never a stored revision: reported as a conflict, nothing is overwritten


def _derived_kpis(application, policy) -> dict:
    row = application.sections.filter(key="scenarios").first()
    return derived_kpi_inputs(row.data if row else {}, policy)


def _with_derived_kpis(application, data, policy) -> dict:
    """KPI input as typed, with the inputs 场景建设 already answers taken from there (never typed twice)."""
    derived = _derived_kpis(application, policy)
    return {kpi_id: value for kpi_id, value in sorted({**data, **derived}.items())}


def _save(request, application, section, policy):
    """Save what was typed. Returns (saved row or None, typed data, None or the SectionConflict/ApplicationError)."""
    data = forms.parse_section(section, request.POST, policy)
    if section.key == "kpis":
        data = _with_derived_kpis(application, data, policy)
    try:
        row = services.application_section_save(application=application, key=section.key, data=data,
                                                base_revision=_parse_revision(request), user=request.user,
                                                editor_token=request.POST.get("editor_token", ""),
                                                imported_from=_report_evidence(application, section,
                                                                               request.POST.get("imported_from")))
    except services.SectionConflict as conflict:
        if forms.comparable(conflict.section.data) == forms.comparable(data):
            return conflict.section, data, None  # the same content was already saved (autosave won the race)
        return None, data, conflict
    except services.ApplicationError as error:
        return None, data, error
    return row, data, None


def _report_evidence(application, section, pk) -> Evidence | None:
    """The application's own 自评估报告 (evidence ``pk``) on the maturity section, if it was read; else None."""
    if section.key != "maturity" or not str(pk or "").isdigit():
        return None
    item = application.evidence.filter(pk=int(pk), topic=c3mep.TOPIC).first()
    return item if item is not None and c3mep.ReportFacts.from_dict(item.extracted.get("c3mep")) else None


def _report_import(application, section, raw, pk) -> tuple[dict, dict | None]:
    """The section's input with a read report's values put in (not saved: the enterprise confirms by saving)."""
    item = _report_evidence(application, section, pk)
    if item is None:
        return raw, None
    facts = c3mep.ReportFacts.from_dict(item.extracted["c3mep"])
    raw = raw if isinstance(raw, dict) else {}
    values = facts.section_values()
    changed = [SECTIONS_BY_KEY["maturity"].field(name).label for name, value in values.items()
               if str(raw.get(name) or "").strip() != value]
    merged = {**raw, **values}
    if not str(merged.get("platform") or "").strip():
        merged["platform"] = c3mep.PLATFORM
    return merged, {"evidence": item, "facts": facts, "level_name": c3mep.LEVEL_NAMES.get(facts.level, ""),
                    "changed": changed, "unread": facts.unread}


@login_required
def section(request, pk, key):
    application = _get_application(request, pk)
    spec = _section_or_404(key)
    policy = call_policy_for(application.call)
    spec = section_for(key, policy)  # the step as this call asks for it
    if request.method == "GET":
        row = application.sections.get(key=key)
        raw, report_import = row.data, None
        if request.GET.get("import") and permissions.can_edit(request.user, application):
            raw, report_import = _report_import(application, spec, row.data, request.GET["import"])
        context = _section_context(request, application, spec, policy, raw=raw, base_revision=row.revision)
        context["report_import"] = report_import if context["editable"] else None
        return _render_section(request, context)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    _require_edit(request.user, application)
    row, data, error = _save(request, application, spec, policy)
    if error is None:
        messages.success(request, _("已保存 %(time)s") % {"time": _hms(row.updated_at)})
        if clean_section(spec, data, policy).errors:
            # Saved (nothing typed is lost), but the page stays with a summary of what to correct.
            return redirect(_section_url(application, key) + "?check=1#error-summary")
        prev_key, next_key = _neighbours(key)
        if request.POST.get("go") == "review" and not next_key:  # the last step leads on to 检查并提交
            return redirect("applications:submit", pk=application.pk)
        target = next_key if request.POST.get("go") == "next" and next_key else \
            prev_key if request.POST.get("go") == "prev" and prev_key else key
        return redirect(_section_url(application, target))
    application.refresh_from_db()
    if isinstance(error, services.SectionConflict):
        context = _section_context(request, application, spec, policy, raw=data, base_revision=error.section.revision)
        context["conflict"] = {"message": error.message, **_conflict_context(spec, data, error.section, policy)}
        return _render_section(request, context, status=409)
    row = application.sections.get(key=key)
    context = _section_context(request, application, spec, policy, raw=data, base_revision=row.revision)
    context["save_error"] = error
    return _render_section(request, context, status=400)


@login_required
@require_POST
def autosave(request, pk, key):
    application = _get_application(request, pk)
    spec = _section_or_404(key)
    policy = call_policy_for(application.call)
    spec = section_for(key, policy)  # the step as this call asks for it
    if not permissions.can_edit(request.user, application):
        return render(request, "applications/_autosave.html", {"error": _("只有申报企业本身可以修改申报内容。")},
                      status=403)
    row, data, error = _save(request, application, spec, policy)
    clean = clean_section(spec, data, policy)
    context = {"application": application, "section": spec, "clean": clean}
    if spec.key == "kpis":
        context["kpi_categories"] = forms.bind_kpis(data, clean, kpi_catalogue(policy))
    else:
        context["fields"] = forms.bind_section(spec, data, clean, policy, blank_rows=0)
    if isinstance(error, services.SectionConflict):
        context.update(conflict=error.message, section_url=_section_url(application, key))
        return render(request, "applications/_autosave.html", context, status=409)
    if error is not None:
        context["error"] = error.message
        return render(request, "applications/_autosave.html", context, status=400)
    application.refresh_from_db()
    progress = services.application_progress(application, policy, request.user)
    verdict, verdict_problems = _verdict(application, policy)
    context.update(saved_at=_hms(row.updated_at), base_revision=row.revision, progress=progress,
                   current=_progress_map(progress)[key], verdict=verdict, verdict_problems=verdict_problems,
                   oob=True)
    return render(request, "applications/_autosave.html", context)


# --- the engine's verdict ----------------------------------------------------------------------------

@login_required
@require_GET
def verdict_json(request, pk):
    application = _get_application(request, pk)
    verdict, problems = _verdict(application, call_policy_for(application.call))
    if verdict is None:
        return JsonResponse({"error": "申报内容无法判定", "problems": [list(p) for p in problems]}, status=422,
                            json_dumps_params={"ensure_ascii": False})
    return JsonResponse({"application": application.pk, "status": application.status,
                         "status_label": application.status_label, **verdict.as_dict()},
                        json_dumps_params={"ensure_ascii": False})


# --- evidence ----------------------------------------------------------------------------------------

@login_required
@require_POST
def evidence_upload_view(request, pk, key):
    application = _get_application(request, pk)
    spec = _section_or_404(key)
    _require_edit(request.user, application)
    policy = call_policy_for(application.call)
    topic = request.POST.get("topic", "")
    back = _section_url(application, key) + "#evidence"
    upload = request.FILES.get("file")
    if topic not in _allowed_topics(spec, policy):
        messages.error(request, _("佐证事项无效，请在页面上选择要上传的事项"))
        return redirect(back)
    if upload is None:
        return _upload_refused(request, application, spec, policy, topic, _("请选择要上传的文件"))
    try:
        item = evidence_upload(application=application, section=key, topic=topic, upload=upload, user=request.user)
    except EvidenceRejected as rejected:
        return _upload_refused(request, application, spec, policy, topic, rejected.message)
    messages.success(request, _("已上传“%(name)s”（SHA-256 %(hash)s…）")
                     % {"name": item.original_name, "hash": item.sha256[:12]})
    if item.extracted.get("c3mep_error"):
        messages.warning(request, _("未能从自评估报告读取数值：%(why)s。文件已作为佐证材料保存。")
                         % {"why": item.extracted["c3mep_error"].rstrip("。")})
    elif item.extracted.get("c3mep") and key == "maturity":
        # The values go into the form for the enterprise to check; nothing is saved until it presses 保存.
        return redirect(_section_url(application, key) + f"?import={item.pk}#report-import")
    return redirect(back)


def _upload_refused(request, application, spec, policy, topic, message):
    """The section page again, the refusal beside the upload control it concerns (not scrolled away at the top)."""
    row = application.sections.get(key=spec.key)
    context = _section_context(request, application, spec, policy, raw=row.data, base_revision=row.revision)
    context["upload_errors"] = {topic: message}
    return _render_section(request, context, status=400)


def _get_evidence(request, pk) -> Evidence:
    evidence = selectors.evidence_visible_to(request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404("找不到该文件")
    return evidence


@login_required
@require_GET
def evidence_download(request, pk):
    evidence = _get_evidence(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("文件已不存在") from missing
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


@login_required
@require_POST
def evidence_delete(request, pk):
    evidence = _get_evidence(request, pk)
    application = evidence.application
    try:
        services.evidence_delete(evidence=evidence, user=request.user)  # PermissionDenied → 403
    except services.ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("已删除“%(name)s”") % {"name": evidence.original_name})
    return redirect(_section_url(application, evidence.section) + "#evidence")


# --- submitting --------------------------------------------------------------------------------------

def _answers(application, policy) -> list[dict]:
    """Every section's answers as the enterprise will submit them (the 检查并提交 page)."""
    raw = {row.key: row.data for row in application.sections.all()}
    return [{"key": spec.key, "title": spec.title,
             "items": [(label, text) for label, text in _summary(spec, raw.get(spec.key), policy)]}
            for spec in sections_for(policy)]


def _evidence_rows(application, policy) -> list[dict]:
    return [{"evidence": e, "section_title": SECTIONS_BY_KEY[e.section].title if e.section in SECTIONS_BY_KEY
             else e.section, "topic_label": _topic_label(policy, e.section, e.topic)}
            for e in application.evidence.order_by("section", "topic", "pk")]


def _submit_context(request, application, policy, **extra):
    now = _now()
    editable = application.status in EDITABLE_STATES
    blockers = services.submission_blockers(application, policy, now) if editable else []
    review = {}
    if editable:  # check your answers: every section, the evidence, the verdict, a 预览 PDF
        verdict, verdict_problems = _live_verdict(application, policy)
        review = {"answers": _answers(application, policy), "evidence_rows": _evidence_rows(application, policy),
                  "verdict": verdict, "verdict_problems": verdict_problems}
    return {"application": application, "policy": policy, "blockers": blockers, **review,
            "progress": services.application_progress(application, policy, request.user),
            "tier_name": _tier_name(policy, application.tier), "deadlines": _deadlines(policy, now),
            "idempotency_key": uuid.uuid4().hex, "editable_state": application.status in EDITABLE_STATES,
            "resubmit": application.status == State.RETURNED,
            "submissions": application.submissions.select_related("submitted_by"), **extra}


@login_required
def submit(request, pk):
    application = _get_application(request, pk)
    if not permissions.is_own_enterprise(request.user, application):  # a delegate prepares; the enterprise submits
        raise PermissionDenied(_("只有申报企业本身可以提交申报。"))
    policy = call_policy_for(application.call)
    if request.method == "GET":
        return render(request, "applications/submit.html", _submit_context(request, application, policy))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    key = request.POST.get("idempotency_key", "")
    try:
        submission = services.application_submit(application=application, user=request.user, idempotency_key=key)
    except services.ApplicationError as error:
        application.refresh_from_db()
        return render(request, "applications/submit.html",
                      _submit_context(request, application, policy, error=error), status=400)
    except InterchangeError as error:
        application.refresh_from_db()
        refused = services.ApplicationError(_("申报内容有误，系统无法判定，请按提示修改后再提交："),
                                            [f"{field}：{message}" for field, message in error.problems])
        return render(request, "applications/submit.html",
                      _submit_context(request, application, policy, error=refused), status=400)
    return redirect("applications:receipt", pk=application.pk, number=submission.number)


@login_required
@require_GET
def receipt(request, pk, number):
    application = _get_application(request, pk)
    submission = get_object_or_404(Submission.objects.select_related("submitted_by"), application=application,
                                   number=number)
    policy = call_policy_for(application.call)
    evidence = [{**item, "topic_label": _topic_label(policy, None, item.get("topic", ""))}
                for item in (submission.snapshot or {}).get("evidence", [])]
    return render(request, "applications/receipt.html", {
        "application": application, "submission": submission, "evidence": evidence,
        "tier_name": _tier_name(policy, application.tier),
        "submitted_local": local_time(submission.submitted_at),
        "verdict": submission.verdict})


# --- status ----------------------------------------------------------------------------------------

def _event_rows(application) -> list[dict]:
    rows = []
    for event in application.events.select_related("actor"):
        label = gettext(ACTION_LABELS[event.action]) if event.action in ACTION_LABELS else event.action
        rows.append({"event": event, "label": label,
                     "role": dict(Role.choices).get(event.actor_role, event.actor_role),
                     "from_label": gettext(state_label(event.from_status)) if event.from_status else "",
                     "to_label": gettext(state_label(event.to_status)),
                     "section_reasons": [(SECTIONS_BY_KEY[k].title if k in SECTIONS_BY_KEY else k, text)
                                         for k, text in (event.section_reasons or {}).items()]})
    return rows


def _next_steps(request, application, progress, policy) -> list[dict]:
    owner = permissions.can_edit(request.user, application)
    steps = []
    if application.status == State.DRAFT:
        incomplete = [item for item in progress if not item.complete]
        for item in incomplete:
            steps.append({"text": _("完成“%(title)s”") % {"title": item.title},
                          "url": _section_url(application, item.key)})
        if not application.enterprise.is_confirmed:
            steps.append({"text": _("等待所属乡镇（办事处、农场、开发区）确认企业登记信息（确认后才能提交）"), "url": None})
        if owner:
            steps.append({"text": _("检查并提交申报") if not incomplete else _("全部完成后提交申报"),
                          "url": reverse("applications:submit", args=[application.pk])})
    elif application.status == State.RETURNED:
        for key, reason in application.returned_sections.items():
            title = SECTIONS_BY_KEY[key].title if key in SECTIONS_BY_KEY else key
            steps.append({"text": _("按意见修改“%(title)s”：%(reason)s") % {"title": title, "reason": reason},
                          "url": _section_url(application, key)})
        if owner and application.revision_due:
            due = dateformat.format(application.revision_due, gettext("Y年n月j日"))
            steps.append({"text": _("修改完成后重新提交（补正期限 %(day)s 24:00，北京时间）") % {"day": due},
                          "url": reverse("applications:submit", args=[application.pk])})
        elif owner:
            steps.append({"text": _("修改完成后重新提交"), "url": reverse("applications:submit", args=[application.pk])})
    elif application.status == State.SUBMITTED:
        day = policy.township_deadline
        deadline = formats.date_format(day, "DATE_FORMAT")
        steps.append({"text": _("%(waiting)s（乡镇推荐截止 %(day)s 24:00）") % {"waiting": WAITING_FOR[State.SUBMITTED],
                                                                          "day": deadline},
                      "url": None})
    elif application.display_state in WAITING_FOR:
        steps.append({"text": str(WAITING_FOR[application.display_state]), "url": None})
    elif application.status in FINAL_STATES:
        last = application.events.order_by("-created_at", "-id").first()
        reason = _("（意见：%(reason)s）") % {"reason": last.reason} if last and last.reason else ""
        steps.append({"text": _("本批次申报已结束：%(status)s%(reason)s") % {"status": application.status_label,
                                                                             "reason": reason}, "url": None})
    return steps


@login_required
@require_GET
def status(request, pk):
    application = _get_application(request, pk)
    policy = call_policy_for(application.call)
    progress = services.application_progress(application, policy, request.user)
    return render(request, "applications/status.html", {
        "application": application, "policy": policy, "tier_name": _tier_name(policy, application.tier),
        "events": _event_rows(application), "deadlines": _deadlines(policy, _now()), "progress": progress,
        "submissions": application.submissions.select_related("submitted_by"),
        "next_steps": _next_steps(request, application, progress, policy),
        "is_owner": permissions.can_edit(request.user, application),
        "returned": [(SECTIONS_BY_KEY[k].title if k in SECTIONS_BY_KEY else k, text)
                     for k, text in application.returned_sections.items()]})


@login_required
@require_POST
def withdraw(request, pk):
    """The enterprise withdraws its application (撤回申报, with a reason); the operation decides who and when."""
    application = _get_application(request, pk)
    try:
        services.application_transition(application=application, action="withdraw", user=request.user,
                                        reason=request.POST.get("reason", ""))
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤回申报"))
    return redirect("applications:status", pk=application.pk)


# --- section revisions (for the city) -------------------------------------------------------------------

def _revision_diff(spec, policy, old, new) -> list[dict]:
    """The fields that differ between two revisions, as the reader sees them (label, old → new)."""
    before = dict(_summary(spec, old.data if old else {}, policy))
    rows = []
    for label, text in _summary(spec, new.data, policy):
        if (before.get(label) or "").strip() != (text or "").strip():
            rows.append({"label": label, "old": before.get(label, ""), "new": text})
    return rows


@login_required
@require_GET
def section_history(request, pk, key):
    """The city compares two kept revisions of one section: which fields changed, old → new, who, when.

    Only the city sees this; a draft (and so its revisions) is not found for anyone but the enterprise.
    """
    _require_role(request, *CITY_ROLES)
    application = _get_application(request, pk)
    spec = _section_or_404(key)
    policy = call_policy_for(application.call)
    section = get_object_or_404(application.sections, key=key)
    revisions = list(section.revisions.select_related("saved_by").order_by("-revision"))
    by_number = {revision.revision: revision for revision in revisions}

    def pick(name, default):
        try:
            return by_number.get(int(request.GET.get(name, "")), default)
        except ValueError:
            return default

    new = pick("b", revisions[0] if revisions else None)
    older = [revision for revision in revisions if new is not None and revision.revision < new.revision]
    old = pick("a", older[0] if older else None)
    if old is not None and new is not None and old.revision > new.revision:
        old, new = new, old
    context = {"application": application, "section": spec, "revisions": revisions, "old": old, "new": new,
               "rows": _revision_diff(spec, policy, old, new) if new is not None else [],
               "tier_name": _tier_name(policy, application.tier),
               "changed_labels": {revision.revision: _changed_labels(spec, revision) for revision in revisions}}
    template = "applications/_section_diff.html" if request.headers.get("HX-Request") \
        else "applications/section_history.html"
    return render(request, template, context)


def _changed_labels(spec, revision) -> str:
    labels = {field.name: field.label for field in getattr(spec, "fields", ())}
    return gettext("、").join(str(labels.get(key, key)) for key in revision.changed)


# --- township review ----------------------------------------------------------------------------------

def _lapsed_decisions(user, application: Application) -> list:
    """The city's decisions on an application it returned whose 补正期限 has passed (also taken on this page)."""
    if application.status != State.RETURNED:
        return []
    return [t for t in TRANSITIONS if t.lapsed_returns and operation(t.operation_name, application).check(user)]


def _review_context(request, application, policy, **extra) -> dict:
    raw = services.section_raw(application)
    sections = []
    catalogue = kpi_catalogue(policy)
    evidence = defaultdict(list)
    for item in application.evidence.select_related("uploaded_by"):
        item.topic_label = _topic_label(policy, item.section, item.topic)
        evidence[item.section].append(item)
    for item in services.application_progress(application, policy):
        spec = section_for(item.key, policy)
        entry = {"spec": spec, "progress": item, "evidence": evidence.get(item.key, [])}
        if spec.key == "kpis":
            entry["kpi_categories"] = forms.bind_kpis(raw.get(spec.key), item.clean, catalogue)
        else:
            entry["fields"] = forms.bind_section(spec, raw.get(spec.key), item.clean, policy, blank_rows=0)
        sections.append(entry)
    latest = application.latest_submission()
    stored = services.stored_verdict(latest)
    verdict, verdict_problems, rejudged = stored, None, None
    if stored is None or application.status in EDITABLE_STATES:
        # Under 补正 the content may have changed since the receipt: judged again, today, and labelled so.
        rejudged, verdict_problems = _live_verdict(application, policy)
    # The township decides on this page (the city's own steps have their own pages): only the actions whose
    # operation's check() passes for this user now (the template asks {% allowed %} for each button too).
    actions = [t for t in TRANSITIONS if Role.TOWNSHIP in t.roles and t.action not in ENTERPRISE_ACTIONS
               and operation(t.operation_name, application).check(request.user)] \
        if _role(request.user) == Role.TOWNSHIP else _lapsed_decisions(request.user, application)
    return {"application": application, "policy": policy, "sections": sections, "verdict": verdict,
            "rejudged": rejudged, "latest_submission": latest, "show_history": _role(request.user) in CITY_ROLES,
            "verdict_problems": verdict_problems, "tier_name": _tier_name(policy, application.tier),
            "actions": actions, "events": _event_rows(application),
            "submissions": application.submissions.select_related("submitted_by"),
            "deadlines": _deadlines(policy, _now()), "form": {}, "section_list": SECTIONS, **extra}


@login_required
def review(request, pk):
    _require_role(request, Role.TOWNSHIP, *CITY_ROLES)
    application = _get_application(request, pk)
    policy = call_policy_for(application.call)
    if request.method == "GET":
        return render(request, "applications/review.html", _review_context(request, application, policy))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    action = request.POST.get("action", "")
    transition = TRANSITIONS_BY_ACTION.get(action)
    if not (transition and transition.lapsed_returns and application.status == State.RETURNED):
        _require_role(request, Role.TOWNSHIP)  # the city's own steps have their own pages (but a lapsed return)
    if transition is None or action in ENTERPRISE_ACTIONS:
        error = services.ApplicationError(_("未知的操作“%(action)s”") % {"action": action})
    else:
        reason = request.POST.get("reason", "")
        section_reasons = {key: request.POST.get(f"reason-{key}", "") for key in SECTION_KEYS} \
            if transition.is_return else None
        due, due_reason, due_error = revision.parse_due(request.POST)
        try:
            if transition.is_return and due_error:
                raise services.ApplicationError(due_error)
            services.application_transition(application=application, action=action, user=request.user,
                                            reason=reason, section_reasons=section_reasons,
                                            due_date=due, due_reason=due_reason)
        except services.ApplicationError as refused:
            error = refused
        else:
            messages.success(request, _("已%(action)s：%(name)s") % {"action": gettext(transition.label),
                                                                "name": application.enterprise.name})
            return redirect("applications:review", pk=application.pk)
    application.refresh_from_db()
    typed = {"action": action, "reason": request.POST.get("reason", ""),
             "revision_due": request.POST.get("revision_due", ""),
             "revision_due_reason": request.POST.get("revision_due_reason", ""),
             **{f"reason-{key}": request.POST.get(f"reason-{key}", "") for key in SECTION_KEYS}}
    return render(request, "applications/review.html",
                  _review_context(request, application, policy, error=error, form=typed), status=400)


@login_required
@require_POST
def revision_due(request, pk):
    """Change a returned application's 补正期限 (application.revision_due_change): a new date and a reason."""
    _require_role(request, Role.TOWNSHIP, *CITY_ROLES)
    application = _get_application(request, pk)
    due, _reason, error_text = revision.parse_due(request.POST)
    try:
        if error_text:
            raise services.ApplicationError(error_text)
        services.revision_due_change(application=application, user=request.user, due_date=due,
                                     reason=request.POST.get("reason", ""))
    except services.ApplicationError as error:
        application.refresh_from_db()
        policy = call_policy_for(application.call)
        return render(request, "applications/review.html",
                      _review_context(request, application, policy, due_error=error.message), status=400)
    messages.success(request, _("补正期限已调整为%(date)s") % {"date": date_zh(application.revision_due)})
    return redirect("applications:review", pk=application.pk)
