"""Reads for the review pages, always scoped to what the user may see (anything else is a 404)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.models import Organisation, User
from tidu.accounts.permissions import is_city_user, role_of, unit_of
from tidu.applications import counts
from tidu.applications.models import Application
from tidu.applications.selectors import (
    VerdictSummary,
    applications_visible_to,
    can_view_application,
    drafts_started_in,
    prepare_rows,
    with_latest_submission,
)
from tidu.applications.workflow import (
    DISPLAY_LABELS,
    LIST_SENT,
    STATE_LABELS,
    State,
    display_state,
    state_label,
)
from tidu.core.paging import page_of_groups
from tidu.core.timezones import local_day
from tidu.enterprises.models import Enterprise
from tidu.enterprises.selectors import enterprises_visible_to
from tidu.policy.models import Call
from tidu.policy.selectors import call_list, call_policy_for, default_call
from tidu.review.models import BatchRun, FormalReview, Invitation, RecommendationEntry, RecommendationList

Role = User.Role
RESULT_KEYS = ("fail", "review", "missing")
FINDINGS_FILTERS = (  # labels are msgids: translated where shown
    ("has_fail", gettext_noop("有“不符合”项")),
    ("has_review", gettext_noop("有“需人工复核”项")),
    ("has_missing", gettext_noop("有“待填写”项")),
    ("eligible", gettext_noop("符合申报条件（全部符合）")),
    ("not_eligible", gettext_noop("不是全部符合")),
)
INDUSTRY_PREFIX = re.compile(r"^[A-T](\d{2})?$")


def finding_counts(verdict: dict | None) -> dict[str, int]:
    """{"fail": n, "review": n, "missing": n} from a verdict dict (stored or Verdict.as_dict())."""
    counts = Counter(finding.get("result") for finding in (verdict or {}).get("findings", []))
    return {key: counts.get(key, 0) for key in RESULT_KEYS}


def findings_condition(wanted: str) -> Q:
    """The 系统判定 filter (has_fail / has_review / has_missing / eligible / not_eligible) in SQL, over the verdict summary stored with the latest receipt (the annotations of
    ``with_latest_submission``): no application is read into Python to filter."""
    judged = Q(latest_outcome__isnull=False) & ~Q(latest_outcome="")

    def nonempty(name: str) -> Q:
        return Q(**{f"{name}__isnull": False}) & ~Q(**{name: []})

    return judged & {"has_fail": nonempty("latest_failing"), "has_review": nonempty("latest_review"),
                     "has_missing": nonempty("latest_missing"), "eligible": Q(latest_outcome="eligible"),
                     "not_eligible": ~Q(latest_outcome="eligible")}.get(wanted, Q())


def call_from(code: str | None, unit: Organisation | None = None) -> Call | None:
    """The call ``code`` names; else, for a unit, the most recent call it has applications in (a township sees its
    own call first: a unit of the example call's region opened on another region's call, where it has nothing);
    else the most recent call."""
    if code:
        found = Call.objects.filter(code=code).first()
        if found is not None:
            return found
    if unit is not None:
        own = call_list().filter(pk__in=Application.objects.filter(unit=unit).values("call_id")).first()
        if own is not None:
            return own
    return default_call()


def deadline_info(day: dt.date, now: dt.datetime) -> dict[str, Any]:
    days = (day - local_day(now)).days
    return {"last_day": day, "days": days, "state": "passed" if days < 0 else "today" if days == 0 else "ahead"}


# --- lists ----------------------------------------------------------------------------------------------

def lists_visible_to(user) -> QuerySet[RecommendationList]:
    """A township officer: its own unit's lists; the city: every list; anyone else (系统管理员 too): none."""
    lists = RecommendationList.objects.select_related("call", "unit", "signed_by", "sent_by", "reopened_by")
    role = role_of(user)
    if role == Role.CITY:
        return lists
    if role == Role.TOWNSHIP:
        unit = unit_of(user)
        return lists.filter(unit=unit) if unit is not None else lists.none()
    return lists.none()


def can_view_list(user, rlist: RecommendationList) -> bool:
    """A 推荐名单 and its exports (same answer as ``lists_visible_to``)."""
    if is_city_user(user):
        return True
    unit = unit_of(user) if role_of(user) == Role.TOWNSHIP else None
    return unit is not None and unit.pk == rlist.unit_id


def can_view_formal_review(user, application: Application) -> bool:
    """形式审查 (its checklist and decisions) is the city's: a submitted application the city may see."""
    return is_city_user(user) and can_view_application(user, application)


def formal_review_applications(user) -> QuerySet[Application]:
    return applications_visible_to(user) if is_city_user(user) else Application.objects.none()


def list_rows(rlist: RecommendationList) -> list[dict[str, Any]]:
    """Entries of a list with what a reviewer needs next to each (status, submission, engine counts)."""
    rows = []
    for entry in rlist.entries.select_related("application__enterprise", "application__call").prefetch_related(
            "application__submissions"):
        application = entry.application
        application.list_sent = rlist.is_sent  # its status label says so (Application.status_label)
        latest = application.latest_submission()
        summary = VerdictSummary.of(latest)
        rows.append({"entry": entry, "application": application, "submission": latest, "verdict": summary,
                     "counts": summary.counts if summary else {},
                     "outcome_label": summary.outcome_label if summary else ""})
    return rows


# --- the township dashboard -------------------------------------------------------------------------------

@dataclass
class DashboardRow:
    enterprise: Any
    application: Application | None = None
    verdict: VerdictSummary | None = None  # judged at submission (stored with the latest receipt)
    counts: dict[str, int] = field(default_factory=dict)
    receipt_number: str = ""
    submitted_at: dt.datetime | None = None
    on_list: bool = False
    priority: int | None = None
    has_counts: bool = False

    has_draft: bool = False  # the enterprise has started a draft: the township learns only that it exists

    @property
    def is_draft(self) -> bool:
        return self.has_draft and self.application is None


TOWNSHIP_PAGE_SIZE = 50


def township_dashboard(user, call: Call | None, page_number=None) -> dict[str, Any]:
    """The unit's enterprises (one page, by name) with their application for ``call``; drafts show only that they
    exist. The cards' counts are SQL aggregates over the whole unit; only the page's rows are read in full, so the
    page reads the same number of queries whatever the unit's size."""
    unit = unit_of(user)
    enterprises = enterprises_visible_to(user)
    visible = applications_visible_to(user).filter(call=call) if call is not None else Application.objects.none()
    # The unit's enterprise figures, in one aggregate: its total is also the paginator's count.
    figures = {"applied": 0, **enterprises.order_by().aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(status=Enterprise.Status.PENDING)),
        **({"applied": Count("pk", filter=Q(pk__in=visible.values("enterprise_id")))} if call is not None else {}))}
    # Enterprise rows are narrow: one LIMIT query reads the page (no ids-first step), counted by the aggregate.
    paginator = Paginator(enterprises.order_by("name", "pk"), TOWNSHIP_PAGE_SIZE)
    paginator.count = figures["total"]  # Paginator.count is a cached property: this is its value
    page = paginator.get_page(page_number)
    ids = [enterprise.pk for enterprise in page.object_list]
    applications, drafts = {}, set()
    if call is not None and ids:
        drafts = set(drafts_started_in(user, call).filter(enterprise__in=ids))
        for application in with_latest_submission(visible.filter(enterprise__in=ids)
                                                  .select_related("recommendation_entry")):
            applications[application.enterprise_id] = application
    # What each row prints (links, times, labels, the 审核 check) is prepared once here, not in the template.
    prepare_rows(applications.values(), user, decide="application.township_recommend")
    rows = []
    for enterprise in page.object_list:
        application = applications.get(enterprise.pk)
        row = DashboardRow(enterprise=enterprise, application=application,
                           has_draft=application is None and enterprise.pk in drafts)
        if application is not None:
            entry = getattr(application, "recommendation_entry", None)
            row.on_list, row.priority = entry is not None, entry.priority if entry else None
            if application.status != State.DRAFT:
                # The verdict judged at submission, as stored: one query for the page, never re-judged.
                row.submitted_at, row.receipt_number = application.latest_submitted_at, application.latest_number or ""
                row.verdict = application.verdict_summary
                row.counts = row.verdict.counts if row.verdict else {}
                row.has_counts = any(row.counts.values())
        rows.append(row)
    # The whole unit's figures, in SQL: states (drafts count as 填写中), enterprises with nothing, 待办.
    states = Counter()
    draft_only = addable_count = 0
    if call is not None:
        # States, and the 已推荐未列入 count (recommended, on no list): from the stored per-call counts.
        grouped = counts.grouped_visible(user, call=call)
        if grouped is None:
            grouped = counts.grouped_applications(visible)
        for (_unit, status, list_sent, listed), n in grouped.items():
            states[display_state(status, list_sent=list_sent)] += n
            if status == State.TOWNSHIP_RECOMMENDED and not listed:
                addable_count += n
        draft_only = (enterprises.filter(pk__in=drafts_started_in(user, call))
                      .exclude(pk__in=visible.values("enterprise_id")).count())
        if draft_only:
            states[State.DRAFT] += draft_only
    rlist = RecommendationList.objects.filter(call=call, unit=unit).first() if call and unit else None
    return {"unit": unit, "rows": rows, "page": page, "state_counts": display_state_counts(states), "rlist": rlist,
            "addable_count": addable_count,
            "addable_ids": {row.application.pk for row in rows if row.application is not None
                            and row.application.status == State.TOWNSHIP_RECOMMENDED and not row.on_list},
            "invitations": Invitation.objects.filter(unit=unit).select_related("invited_by", "call")[:200]
            if unit else [],
            "without_application": figures["total"] - figures["applied"] - draft_only,
            # What waits for the unit (the 待办 card): enterprises to confirm, submissions to review.
            "to_confirm": figures["pending"],
            "to_review": states.get(State.SUBMITTED, 0)}


# --- city intake ------------------------------------------------------------------------------------------

@dataclass
class IntakeFilters:
    call: Call | None = None
    unit: Organisation | None = None
    industry: str = ""
    tier: str = ""
    status: str = ""
    findings: str = ""

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (also carried, hidden, in the batch form)."""
        params = {"call": self.call.code if self.call else "", "unit": str(self.unit.pk) if self.unit else "",
                  "industry": self.industry, "tier": self.tier, "status": self.status, "findings": self.findings}
        return {key: value for key, value in params.items() if value}

    def describe(self) -> str:
        """The filter in words, in the active language; the tier by its name in the call's pack."""
        parts = []
        if self.call:
            parts.append(self.call.title)
        if self.unit:
            parts.append(gettext("单位：%(name)s") % {"name": self.unit.name})
        if self.industry:
            parts.append(gettext("行业：%(code)s") % {"code": self.industry})
        if self.tier:
            parts.append(gettext("等级：%(tier)s") % {"tier": dict(tier_choices(self.call)).get(self.tier, self.tier)})
        if self.status:
            parts.append(gettext("状态：%(status)s") % {"status": gettext(state_label(self.status))})
        if self.findings:
            label = dict(FINDINGS_FILTERS).get(self.findings)
            parts.append(gettext("系统判定：%(findings)s") % {"findings": gettext(label) if label else self.findings})
        return gettext("；").join(parts) or gettext("全部")


def parse_intake_filters(params) -> tuple[IntakeFilters, list[str]]:
    """Read (and check) filters from GET or POST data; unknown values are reported and ignored."""
    problems = []
    filters = IntakeFilters()
    code = (params.get("call") or "").strip()
    filters.call = call_from(code)
    if code and (filters.call is None or filters.call.code != code):
        problems.append(gettext("没有编号为“%(code)s”的申报批次，已显示最新批次") % {"code": code})
    unit_id = (params.get("unit") or "").strip()
    if unit_id:
        unit = Organisation.objects.filter(pk=int(unit_id), kind__in=Organisation.UNIT_KINDS).first() \
            if unit_id.isdigit() else None
        if unit is None:
            problems.append(gettext("所选单位不存在，已忽略"))
        filters.unit = unit
    industry = (params.get("industry") or "").strip().upper()
    if industry:
        if INDUSTRY_PREFIX.match(industry):
            filters.industry = industry
        else:
            problems.append(gettext("行业“%(code)s”应为门类字母（如 C）或门类加两位大类代码（如 C34），已忽略") % {"code": industry})
    filters.tier = (params.get("tier") or "").strip()[:20]
    status = (params.get("status") or "").strip()
    if status:
        if status in STATE_LABELS and status != State.DRAFT:
            filters.status = status
        else:
            problems.append(gettext("所选状态无效，已忽略"))
    findings = (params.get("findings") or "").strip()
    if findings:
        if findings in dict(FINDINGS_FILTERS):
            filters.findings = findings
        else:
            problems.append(gettext("所选系统判定条件无效，已忽略"))
    return filters, problems


def intake_applications(user, filters: IntakeFilters) -> QuerySet[Application]:
    """Everything the city has received (all applications except drafts), filtered; in a stable order.

    The findings filter reads the verdict stored with each application's latest submission (the engine's
    result when it was submitted, against the call's pinned policy).
    """
    applications = (with_latest_submission(applications_visible_to(user).exclude(status=State.DRAFT))
                    .annotate(has_formal_review=Exists(FormalReview.objects.filter(application=OuterRef("pk"))))
                    .select_related("enterprise__organisation__parent", "call",
                                    "recommendation_entry__recommendation_list")
                    # the list's frozen snapshot is not shown here (its status and priority are)
                    .defer("recommendation_entry__recommendation_list__snapshot"))
    if filters.call is not None:
        applications = applications.filter(call=filters.call)
    if filters.unit is not None:
        applications = applications.filter(unit=filters.unit)
    if filters.industry:
        applications = applications.filter(enterprise__industry_code__startswith=filters.industry)
    if filters.tier:
        applications = applications.filter(tier=filters.tier)
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.findings:
        applications = applications.filter(findings_condition(filters.findings))
    return applications.order_by("unit__name", *INTAKE_WITHIN_UNIT)


# Intake's order: by unit (the unit stored on the application), then within the unit by 推荐名单 priority, enterprise.
INTAKE_WITHIN_UNIT = ("recommendation_entry__priority", "enterprise__name", "pk")


def intake_grouped(user, filters: IntakeFilters) -> Counter | None:
    """The grouping ``intake_page`` needs, from the stored per-call counts when the filters are ones the counts hold
    (call, unit, status); None (group the applications) for the others (industry, tier, 系统判定)."""
    if filters.industry or filters.tier or filters.findings:
        return None
    grouped = counts.grouped_visible(user, call=filters.call, unit=filters.unit, status=filters.status)
    if grouped is None:
        return None
    return Counter({key: n for key, n in grouped.items() if key[1] != State.DRAFT})


def intake_page(applications: QuerySet[Application], per_page: int, number, grouped: Counter | None = None):
    """One page of ``intake_applications`` in its order, sorting only the units the page shows, with the status
    counts and the set of statuses present. ``grouped`` ({(unit, status, list sent, listed): n}, from
    ``intake_grouped``) serves all three; without it one GROUP BY (unit, status, list state) of ``applications``."""
    if grouped is None:
        grouped = counts.grouped_applications(applications)
    status_counts, statuses, units = Counter(), set(), Counter()
    for (unit, status, list_sent, _listed), n in grouped.items():
        status_counts[display_state(status, list_sent=list_sent)] += n
        statuses.add(status)
        units[unit] += n
    page = page_of_groups(applications, per_page, number, group="unit", group_order="unit__name",
                          within=INTAKE_WITHIN_UNIT, sizes=units)
    return page, display_state_counts(status_counts), statuses


def display_state_counts(counts: Counter) -> list[tuple[str, str, int]]:
    """(display state, its one label, count) in lifecycle order; 已报送推荐名单 right after 乡镇已推荐."""
    order = [*STATE_LABELS][:list(STATE_LABELS).index(State.TOWNSHIP_RECOMMENDED) + 1]
    order += [LIST_SENT, *[s for s in STATE_LABELS if s not in order]]
    return [(state, gettext(state_label(state)) if state != LIST_SENT else gettext(DISPLAY_LABELS[LIST_SENT]),
             counts[state]) for state in order if counts.get(state)]


def intake_lists(call: Call | None) -> list[dict[str, Any]]:
    """Every unit's list for the call as a summary (status, sent time, number of entries), and the units with none.

    Two queries whatever the number of entries: the entries themselves are on each list's own page.
    """
    if call is None:
        return []
    lists = {rlist.unit_id: rlist for rlist in RecommendationList.objects.filter(call=call).select_related(
        "unit").annotate(entry_count=Count("entries"))}
    units = Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True).order_by("kind", "name")
    return [{"unit": unit, "rlist": lists.get(unit.pk)} for unit in units]


def unit_choices() -> list[tuple[int, str]]:
    return list(Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS).order_by("kind", "name")
                .values_list("pk", "name"))


def tier_choices(call: Call | None) -> list[tuple[str, str]]:
    if call is None:
        return []
    policy = call_policy_for(call)
    return [(tier_id, tier["name"]) for tier_id, tier in policy.tier_map.items()]


def batch_filters_text(run: BatchRun) -> str:
    """A batch's filter in the reader's language when its record says the same in Chinese (the language it was
    recorded in for a Chinese user); otherwise (an API batch, a call renamed since, an English user's record) the
    words as recorded."""
    filters, problems = parse_intake_filters(run.filters or {})
    if problems:
        return run.filters_text
    with translation.override("zh-hans"):
        recorded_in_chinese = filters.describe() == run.filters_text
    return filters.describe() if recorded_in_chinese else run.filters_text


def batch_runs_visible_to(user) -> QuerySet[BatchRun]:
    if is_city_user(user):
        return BatchRun.objects.select_related("actor")
    return BatchRun.objects.none()


def receive_blocker(application: Application) -> str | None:
    """Why the city cannot receive (受理) ``application`` from its unit: not on the unit's sent list; None if it can."""
    entry = (RecommendationEntry.objects.select_related("recommendation_list")
             .filter(application=application).first())
    if entry is None:
        return gettext("未列入所属单位的推荐名单，不能受理")
    if not entry.recommendation_list.is_sent:
        return gettext("所属单位的推荐名单当前为“%(status)s”，报送后才能受理") % {
            "status": entry.recommendation_list.get_status_display()}
    return None
