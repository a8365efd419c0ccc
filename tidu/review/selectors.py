"""Reads for the review pages, always scoped to what the user may see (anything else is a 404)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, JSONField, OuterRef, QuerySet, Subquery

from tidu.accounts.models import Organisation, User
from tidu.accounts.permissions import is_city_user, role_of, unit_of
from tidu.applications import services as application_services
from tidu.applications.models import Application, Submission
from tidu.applications.selectors import applications_visible_to, can_view_application, drafts_started_in
from tidu.applications.workflow import STATE_LABELS, State
from tidu.core.timezones import local_day
from tidu.eligibility.interchange import InterchangeError
from tidu.enterprises.selectors import enterprises_visible_to
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review.models import BatchRun, FormalReview, Invitation, RecommendationEntry, RecommendationList

Role = User.Role
RESULT_KEYS = ("fail", "review", "missing")
FINDINGS_FILTERS = (
    ("has_fail", "有“不符合”项"),
    ("has_review", "有“需人工复核”项"),
    ("has_missing", "有“待填写”项"),
    ("eligible", "符合申报条件（全部符合）"),
    ("not_eligible", "不是全部符合"),
)
INDUSTRY_PREFIX = re.compile(r"^[A-T](\d{2})?$")


def finding_counts(verdict: dict | None) -> dict[str, int]:
    """{"fail": n, "review": n, "missing": n} from a verdict dict (stored or Verdict.as_dict())."""
    counts = Counter(finding.get("result") for finding in (verdict or {}).get("findings", []))
    return {key: counts.get(key, 0) for key in RESULT_KEYS}


def matches_findings(verdict: dict | None, wanted: str) -> bool:
    if not wanted:
        return True
    if verdict is None:
        return False
    counts = finding_counts(verdict)
    return {"has_fail": counts["fail"] > 0, "has_review": counts["review"] > 0,
            "has_missing": counts["missing"] > 0, "eligible": verdict.get("outcome") == "eligible",
            "not_eligible": verdict.get("outcome") != "eligible"}.get(wanted, True)


def default_call() -> Call | None:
    """The most recent call (the one the pages show unless another is chosen)."""
    return Call.objects.order_by("-year", "-opens_at", "code").first()


def call_from(code: str | None) -> Call | None:
    if code:
        found = Call.objects.filter(code=code).first()
        if found is not None:
            return found
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
        latest = application.latest_submission()
        rows.append({"entry": entry, "application": application, "submission": latest,
                     "counts": finding_counts(latest.verdict if latest else None),
                     "outcome_label": (latest.verdict or {}).get("outcome_label") if latest else ""})
    return rows


# --- the township dashboard -------------------------------------------------------------------------------

@dataclass
class DashboardRow:
    enterprise: Any
    application: Application | None = None
    verdict: dict | None = None
    verdict_problem: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    submitted_at: dt.datetime | None = None
    on_list: bool = False
    priority: int | None = None

    has_draft: bool = False  # the enterprise has started a draft: the township learns only that it exists

    @property
    def is_draft(self) -> bool:
        return self.has_draft and self.application is None


def township_dashboard(user, call: Call | None) -> dict[str, Any]:
    """The unit's enterprises with their application for ``call``; drafts show only that they exist."""
    unit = unit_of(user)
    enterprises = list(enterprises_visible_to(user).order_by("name"))
    applications = {}
    drafts = set(drafts_started_in(user, call)) if call is not None else set()
    if call is not None:
        for application in (applications_visible_to(user).filter(call=call)
                            .select_related("recommendation_entry").prefetch_related("submissions")):
            applications[application.enterprise_id] = application
    policy = call_policy_for(call) if call is not None else None
    rows, states = [], Counter()
    for enterprise in enterprises:
        application = applications.get(enterprise.pk)
        row = DashboardRow(enterprise=enterprise, application=application,
                           has_draft=application is None and enterprise.pk in drafts)
        if row.is_draft:
            states[State.DRAFT] += 1
        if application is not None:
            states[application.status] += 1
            entry = getattr(application, "recommendation_entry", None)
            row.on_list, row.priority = entry is not None, entry.priority if entry else None
            if application.status != State.DRAFT:
                latest = application.latest_submission()
                row.submitted_at = latest.submitted_at if latest else None
                try:
                    row.verdict = application_services.application_verdict(application, policy).as_dict()
                except InterchangeError as error:
                    row.verdict_problem = "；".join(f"{f}：{m}" for f, m in error.problems)
                row.counts = finding_counts(row.verdict)
        rows.append(row)
    rlist = RecommendationList.objects.filter(call=call, unit=unit).first() if call and unit else None
    counts = [(state, label, states.get(state, 0)) for state, label in STATE_LABELS.items() if states.get(state)]
    return {"unit": unit, "rows": rows, "state_counts": counts, "rlist": rlist,
            "addable": [row for row in rows if row.application is not None
                        and row.application.status == State.TOWNSHIP_RECOMMENDED and not row.on_list],
            "invitations": Invitation.objects.filter(unit=unit).select_related("invited_by", "call")[:200]
            if unit else [],
            "without_application": sum(1 for row in rows if row.application is None and not row.is_draft)}


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
        parts = []
        if self.call:
            parts.append(self.call.title)
        if self.unit:
            parts.append(f"单位：{self.unit.name}")
        if self.industry:
            parts.append(f"行业：{self.industry}")
        if self.tier:
            parts.append(f"等级：{self.tier}")
        if self.status:
            parts.append(f"状态：{STATE_LABELS.get(self.status, self.status)}")
        if self.findings:
            parts.append(f"系统判定：{dict(FINDINGS_FILTERS).get(self.findings, self.findings)}")
        return "；".join(parts) or "全部"


def parse_intake_filters(params) -> tuple[IntakeFilters, list[str]]:
    """Read (and check) filters from GET or POST data; unknown values are reported and ignored."""
    problems = []
    filters = IntakeFilters()
    code = (params.get("call") or "").strip()
    filters.call = call_from(code)
    if code and (filters.call is None or filters.call.code != code):
        problems.append(f"没有编号为“{code}”的申报批次，已显示最新批次")
    unit_id = (params.get("unit") or "").strip()
    if unit_id:
        unit = Organisation.objects.filter(pk=int(unit_id), kind__in=Organisation.UNIT_KINDS).first() \
            if unit_id.isdigit() else None
        if unit is None:
            problems.append("所选单位不存在，已忽略")
        filters.unit = unit
    industry = (params.get("industry") or "").strip().upper()
    if industry:
        if INDUSTRY_PREFIX.match(industry):
            filters.industry = industry
        else:
            problems.append(f"行业“{industry}”应为门类字母（如 C）或门类加两位大类代码（如 C34），已忽略")
    filters.tier = (params.get("tier") or "").strip()[:20]
    status = (params.get("status") or "").strip()
    if status:
        if status in STATE_LABELS and status != State.DRAFT:
            filters.status = status
        else:
            problems.append("所选状态无效，已忽略")
    findings = (params.get("findings") or "").strip()
    if findings:
        if findings in dict(FINDINGS_FILTERS):
            filters.findings = findings
        else:
            problems.append("所选系统判定条件无效，已忽略")
    return filters, problems


def _latest_submission(field_name: str):
    return Subquery(Submission.objects.filter(application=OuterRef("pk")).order_by("-submitted_at", "-pk")
                    .values(field_name)[:1])


def intake_applications(user, filters: IntakeFilters) -> QuerySet[Application]:
    """Everything the city has received (all applications except drafts), filtered; in a stable order.

    The findings filter reads the verdict stored with each application's latest submission (the engine's
    result when it was submitted, against the call's pinned policy).
    """
    applications = (applications_visible_to(user).exclude(status=State.DRAFT)
                    .annotate(latest_verdict=Subquery(
                        Submission.objects.filter(application=OuterRef("pk")).order_by("-submitted_at", "-pk")
                        .values("verdict")[:1], output_field=JSONField()),
                              latest_submitted_at=_latest_submission("submitted_at"),
                              latest_number=_latest_submission("number"),
                              has_formal_review=Exists(FormalReview.objects.filter(application=OuterRef("pk"))))
                    .select_related("enterprise__organisation__parent", "call",
                                    "recommendation_entry__recommendation_list"))
    if filters.call is not None:
        applications = applications.filter(call=filters.call)
    if filters.unit is not None:
        applications = applications.filter(enterprise__organisation__parent=filters.unit)
    if filters.industry:
        applications = applications.filter(enterprise__industry_code__startswith=filters.industry)
    if filters.tier:
        applications = applications.filter(tier=filters.tier)
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.findings:
        wanted = [pk for pk, verdict in applications.values_list("pk", "latest_verdict")
                  if matches_findings(verdict, filters.findings)]
        applications = applications.filter(pk__in=wanted)
    return applications.order_by("enterprise__organisation__parent__name", "recommendation_entry__priority",
                                 "enterprise__name", "pk")


def intake_status_counts(applications: QuerySet[Application]) -> list[tuple[str, str, int]]:
    counts = Counter(applications.order_by().values_list("status", flat=True))
    return [(state, label, counts[state]) for state, label in STATE_LABELS.items() if counts.get(state)]


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


def batch_runs_visible_to(user) -> QuerySet[BatchRun]:
    if is_city_user(user):
        return BatchRun.objects.select_related("actor")
    return BatchRun.objects.none()


def receive_blocker(application: Application) -> str | None:
    """Why the city cannot receive (受理) ``application`` from its unit: not on the unit's sent list; None if it can."""
    entry = (RecommendationEntry.objects.select_related("recommendation_list")
             .filter(application=application).first())
    if entry is None:
        return "未列入所属单位的推荐名单，不能受理"
    if not entry.recommendation_list.is_sent:
        return f"所属单位的推荐名单当前为“{entry.recommendation_list.get_status_display()}”，报送后才能受理"
    return None
