"""Peer benchmark of the KPIs (关键绩效指标): who may see what, and the figures, read from stored submissions.

Each submitted (not withdrawn) application of a call counts once, with the KPI values judged at its latest
submission (``Submission.verdict["kpis"]``) and the industry code it was submitted with. Peers are the call's
applications of the same GB/T 4754 大类 and tier. All of a call's figures come from one query.

Visibility (the one place that decides it):

* the city sees every group's distribution (``call_benchmark``), never an individual value;
* an application's own figures beside its group (``application_benchmark``) are for its enterprise, the city,
  its township officer and the experts assigned to it (not once they withdrew); anyone else gets None;
* a group of fewer than ``stats.K_MIN`` enterprises is never described to anyone: no quartiles, no percentile.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from tidu.accounts import permissions as accounts
from tidu.applications import selectors as application_selectors
from tidu.applications.models import Application, Submission
from tidu.applications.workflow import State
from tidu.benchmark import stats
from tidu.enterprises import industries
from tidu.experts import permissions as expert_permissions
from tidu.experts.models import Assignment
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

SUPPRESSED = _("样本不足5家，不予显示")


@dataclass(frozen=True)
class Entry:
    """One submitted application's figures."""

    application_id: int
    enterprise_id: int
    division: str  # "C34"; "" when the code names no 大类
    tier: str
    kpis: dict[str, float]


@dataclass
class KpiLine:
    kpi_id: str
    name: str
    unit: str
    direction: str
    count: int  # enterprises of the group with a value for this KPI
    stats: stats.GroupStats | None  # None below K_MIN
    value: float | None = None  # the applicant's own (application view only)
    percentile: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.stats is None


@dataclass
class Group:
    division: str
    division_label: str
    tier: str
    tier_name: str
    enterprises: int
    lines: list[KpiLine] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return self.enterprises < stats.K_MIN


@dataclass
class ApplicationBenchmark:
    application: Application
    group: Group
    submitted: bool  # False: the application has no submission, so it has no figures of its own yet


def division_of(code: str) -> str:
    code = industries.normalise(code or "")
    division = industries.catalogue().division_map.get(code[1:3]) if len(code) >= 3 else None
    return division.full_code if division is not None and division.section == code[:1] else ""


def division_label(division: str) -> str:
    found = industries.catalogue().division_map.get(division[1:3]) if division else None
    return f"{division} {found.name}" if found is not None else str(_("行业大类不明"))


def call_entries(call: Call) -> list[Entry]:
    """Every counted application of ``call`` with the figures of its latest submission: one query."""
    rows = (Submission.objects.filter(application__call=call).exclude(application__status=State.WITHDRAWN)
            .order_by("application_id", "-submitted_at", "-id")
            .values_list("application_id", "application__enterprise_id", "application__tier",
                         "application__enterprise__industry_code", "snapshot__sections__basic__industry_code",
                         "verdict__kpis"))
    entries, seen = [], set()
    for application_id, enterprise_id, tier, registry_code, submitted_code, kpis in rows:
        if application_id in seen:
            continue
        seen.add(application_id)
        values = {kpi_id: float(item["value"]) for kpi_id, item in (kpis or {}).items()
                  if isinstance(item, dict) and isinstance(item.get("value"), int | float)}
        code = submitted_code if isinstance(submitted_code, str) and submitted_code else registry_code
        entries.append(Entry(application_id, enterprise_id, division_of(code), tier, values))
    return entries


def _group(policy, division: str, tier: str, members: list[Entry]) -> Group:
    tier_def = policy.find_tier(tier)
    group = Group(division=division, division_label=division_label(division), tier=tier,
                  tier_name=tier_def["name"] if tier_def else tier, enterprises=len({e.enterprise_id for e in members}))
    for kpi_id, kpi in policy.kpi_map.items():
        values = [e.kpis[kpi_id] for e in members if kpi_id in e.kpis]
        if values:
            group.lines.append(KpiLine(kpi_id, kpi["name"], kpi.get("unit", ""), kpi.get("direction", "higher"),
                                       len(values), stats.group_stats(values)))
    return group


def call_benchmark(user, call: Call) -> list[Group] | None:
    """Every 大类 × tier group of the call, its KPIs' distributions (suppressed below K_MIN): the city only."""
    if not accounts.is_city_user(user):
        return None
    policy = call_policy_for(call)
    grouped: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in call_entries(call):
        grouped[(entry.division, entry.tier)].append(entry)
    return [_group(policy, division, tier, members) for (division, tier), members in sorted(grouped.items())]


def can_view_application_benchmark(user, application: Application) -> bool:
    """Its enterprise, the city, its township officer (``applications.selectors``), and its assigned experts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if application_selectors.can_view_application(user, application):
        return True
    return any(expert_permissions.can_view_assignment(user, assignment)
               for assignment in Assignment.objects.filter(application=application, expert_id=user.pk))


def application_benchmark(user, application: Application) -> ApplicationBenchmark | None:
    """The application's KPIs against its peers (same call, 大类 and tier); None for anyone it is not shown to."""
    if not can_view_application_benchmark(user, application):
        return None
    policy = call_policy_for(application.call)
    entries = call_entries(application.call)
    own = next((e for e in entries if e.application_id == application.pk), None)
    division = own.division if own is not None else division_of(application.enterprise.industry_code)
    members = [e for e in entries if e.division == division and e.tier == application.tier]
    group = _group(policy, division, application.tier, members)
    if own is not None:
        by_id = {line.kpi_id: line for line in group.lines}
        for kpi_id, value in own.kpis.items():
            line = by_id.get(kpi_id)
            if line is None:
                continue
            line.value = value
            values = [e.kpis[kpi_id] for e in members if kpi_id in e.kpis]
            line.percentile = stats.percentile(value, values, line.direction)
    return ApplicationBenchmark(application=application, group=group, submitted=own is not None)


def own_applications(user):
    """The enterprise user's own submitted applications (for its benchmark page)."""
    if not accounts.is_enterprise_user(user):
        return Application.objects.none()
    return (application_selectors.applications_visible_to(user).exclude(status__in=(State.DRAFT, State.WITHDRAWN))
            .filter(submissions__isnull=False).distinct().order_by("-call__pk", "pk"))


def outcomes_judged(application: Application) -> bool:
    """Does the application's tier state 建设成效 its experts judge (先进级 and above: an official outcome, grade A/B)?
    Then the experts see its peers beside those findings."""
    tier = call_policy_for(application.call).find_tier(application.tier) or {}
    return any(o.get("grade") in ("A", "B") for o in tier.get("outcomes", []))
