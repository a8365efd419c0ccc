"""The numbers behind the city's dashboards, computed for one call in a fixed number of queries.

Queries (independent of the number of applications): the call's applications with enterprise and
unit; its ApplicationSection rows for maturity, scenarios and KPIs; the (application, to_status)
pairs of its events; the list of township units; the call's policy packs (two). Everything else is
done in Python in one pass over those rows: O(A × (S + K)) for A applications with up to S scenario
rows and K KPIs each — a few thousand applications per call at most, far below anything that needs
aggregation in SQL.

Counted applications: the status funnel counts every application (drafts included); all other
figures count applications that were submitted and not withdrawn ("已提交"), read from what is
currently stored in their sections (for an application under 退回补正 that may include edits not
yet resubmitted).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tidu.accounts.models import Organisation
from tidu.applications.models import Application, ApplicationSection
from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.applications.selectors import with_list_state
from tidu.applications.workflow import LIST_SENT, State, state_label
from tidu.benchmark import stats as benchmark_stats
from tidu.core.db_routers import replica_reads
from tidu.core.models import AuditEntry
from tidu.dashboards import svg
from tidu.eligibility.kpi import compute_kpi
from tidu.enterprises import industries
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

# The main path of the lifecycle, in order; an application that reached a later stage passed the earlier ones.
MAIN_PIPELINE = (State.DRAFT, State.SUBMITTED, State.TOWNSHIP_RECOMMENDED, State.RECEIVED, State.FORMAL_PASSED,
                 State.EXPERT_REVIEW, State.EXPERT_REVIEWED, State.ONSITE_VERIFIED, State.PROPOSED, State.RECOGNISED)
# States off the main path (returns, refusals, withdrawal), listed after it.
SIDE_STATES = (State.RETURNED, State.TOWNSHIP_NOT_RECOMMENDED, State.FORMAL_FAILED, State.NOT_RECOGNISED,
               State.WITHDRAWN)
STAGE_SHORT = {State.DRAFT: gettext_lazy("创建申报"), State.SUBMITTED: gettext_lazy("提交"),
               State.TOWNSHIP_RECOMMENDED: gettext_lazy("乡镇推荐"),
               State.RECEIVED: gettext_lazy("市局受理"), State.FORMAL_PASSED: gettext_lazy("形式审查通过"),
               State.EXPERT_REVIEW: gettext_lazy("专家评审"), State.EXPERT_REVIEWED: gettext_lazy("专家评审完成"),
               State.ONSITE_VERIFIED: gettext_lazy("现场核查完成"), State.PROPOSED: gettext_lazy("拟认定公示"),
               State.RECOGNISED: gettext_lazy("认定")}
NOT_COUNTED = (State.DRAFT, State.WITHDRAWN)
SECTION_KEYS = ("maturity", "scenarios", "kpis")
UNKNOWN_INDUSTRY = "（行业代码无效）"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""
    num_from: int = 1  # columns from this index on hold numbers (right-aligned)


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    table: Table


@dataclass
class Overview:
    call: Call
    total: int
    counted: int
    recognised: int
    charts: list[Chart] = field(default_factory=list)
    kpi_charts: list[Chart] = field(default_factory=list)
    kpi_table: Table | None = None

    @property
    def tables(self) -> dict[str, Table]:
        tables = {chart.table.key: chart.table for chart in [*self.charts, *self.kpi_charts]}
        if self.kpi_table is not None:
            tables[self.kpi_table.key] = self.kpi_table
        return tables


def _division(code: str) -> tuple[str, str, str]:
    """(大类 key such as 'C34', its label, its 门类 label) for a stored industry code."""
    code = industries.normalise(code)
    catalogue = industries.catalogue()
    section = catalogue.section_map.get(code[:1])
    division = catalogue.division_map.get(code[1:3]) if len(code) >= 3 else None
    if section is None or division is None or division.section != section.code:
        return UNKNOWN_INDUSTRY, UNKNOWN_INDUSTRY, section.name if section else "—"
    return division.full_code, f"{division.full_code} {division.name}", f"{section.code} {section.name}"


# Per process: (call id, language) -> (fingerprint, Overview). The figures are recomputed only when the call's
# data changed; the language is part of the key because titles, labels and notes are translated when computed.
_OVERVIEWS: dict[tuple[int, str], tuple[tuple, Overview]] = {}


# Audit rows without an application that can change any call's figures: an enterprise's industry or unit, a unit,
# a 推荐名单 sent or reopened (the list's audit row names no application; counted for every call, conservatively).
SHARED_AUDIT_TYPES = ("enterprise", "organisation", "recommendation_list")


def _fingerprint(call: Call) -> tuple:
    """What the figures depend on, read as indexed aggregates scoped to the call: its applications (count, last
    change); the newest audit row of one of *its* applications (every transition and every section save writes
    one, with its application); the newest audit row of the kinds shared by every call (``SHARED_AUDIT_TYPES``);
    the units. An action on an application of another call changes none of these."""
    own = Application.objects.filter(call=call)
    applications = own.aggregate(n=Count("pk"), last=Max("updated_at"))
    audit = (AuditEntry.objects.filter(application_id__in=own.values("pk")).order_by("-pk")
             .values_list("pk", flat=True).first())
    shared = AuditEntry.objects.filter(application_id__isnull=True, object_type__in=SHARED_AUDIT_TYPES).aggregate(
        last=Max("pk"))
    units = Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS).aggregate(n=Count("pk"), last=Max("pk"))
    return (call.policy_sha256, applications["n"], applications["last"], audit, shared["last"],
            units["n"], units["last"])


def overview(call: Call) -> Overview:
    """The call's figures: computed once per change of its data (per process), then read from memory.

    A view after a change recomputes them (one pass, below); a view without a change costs the fingerprint's
    aggregates only. Treat the result as read-only: it is shared by the requests of this process. With a
    replica configured every query here reads from it (tidu/core/db_routers.py), so the figures may lag default
    by the replication delay.
    """
    with replica_reads():  # read-only aggregates: from the replica when DATABASE_REPLICA_URL is set
        key, slot = _fingerprint(call), (call.pk, get_language() or "")
        cached = _OVERVIEWS.get(slot)
        if cached is not None and cached[0] == key:
            return cached[1]
        result = _compute_overview(call)
    _OVERVIEWS[slot] = (key, result)
    return result


def _compute_overview(call: Call) -> Overview:
    policy = call_policy_for(call)
    applications = list(with_list_state(Application.objects.filter(call=call))
                        .select_related("enterprise__organisation__parent"))
    sections: dict[int, dict[str, dict]] = defaultdict(dict)
    for application_id, key, data in (ApplicationSection.objects.filter(application__call=call, key__in=SECTION_KEYS)
                                      .values_list("application_id", "key", "data")):
        sections[application_id][key] = data
    reached_states: dict[int, set[str]] = defaultdict(set)
    for application_id, to_status in (AuditEntry.objects.filter(
            object_type="application", application_id__in=Application.objects.filter(call=call).values("pk"))
            .values_list("application_id", "to_status").distinct()):
        reached_states[application_id].add(to_status)
    units = list(Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True).order_by("kind", "name"))

    counted = [a for a in applications if a.status not in NOT_COUNTED]
    result = Overview(call=call, total=len(applications), counted=len(counted),
                      recognised=sum(1 for a in applications if a.status == State.RECOGNISED))
    result.charts.append(_funnel(applications, reached_states))
    result.charts.append(_by_unit(counted, units))
    result.charts.append(_by_industry(counted))

    # One pass over the counted applications' sections.
    maturity_spec, scenario_spec, kpi_spec = (SECTIONS_BY_KEY[k] for k in SECTION_KEYS)
    levels: Counter = Counter()
    links_by_application: dict[int, set[str]] = {}
    kpi_values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for application in counted:
        raw = sections.get(application.pk, {})
        level = clean_section(maturity_spec, raw.get("maturity"), policy).values.get("level")
        levels[int(level) if level else None] += 1
        rows = clean_section(scenario_spec, raw.get("scenarios"), policy).values.get("scenarios", [])
        links_by_application[application.pk] = {policy.scenario_map[row["id"]]["link"] for row in rows
                                                 if row.get("id") in policy.scenario_map}
        division_key = _division(application.enterprise.industry_code)[1]
        for kpi_id, numbers in clean_section(kpi_spec, raw.get("kpis"), policy).values.items():
            value = compute_kpi(policy.kpi_map[kpi_id], numbers).value
            if value is not None:
                kpi_values[kpi_id][division_key].append(value)

    result.charts.append(_heatmap(counted, links_by_application, policy))
    result.charts.append(_maturity(levels, policy))
    result.kpi_charts, result.kpi_table = _kpis(kpi_values, policy)
    return result


def _funnel(applications, reached_states) -> Chart:
    index = {state: position for position, state in enumerate(MAIN_PIPELINE)}
    furthest = Counter()
    side_reached = Counter()
    current = Counter(a.display_state for a in applications)  # a sent 推荐名单's entries: LIST_SENT
    for application in applications:
        states = reached_states.get(application.pk, set()) | {application.status}
        furthest[max(index.get(state, 0) for state in states)] += 1
        for state in SIDE_STATES:
            if state in states:
                side_reached[state] += 1
    reached = {state: sum(n for position, n in furthest.items() if position >= index[state]) for state in MAIN_PIPELINE}
    reached.update(side_reached)
    # On a sent 推荐名单 now, or received since (the city receives only from a sent list).
    reached[LIST_SENT] = current.get(LIST_SENT, 0) + reached[State.RECEIVED]
    shown = (*MAIN_PIPELINE[:MAIN_PIPELINE.index(State.TOWNSHIP_RECOMMENDED) + 1], LIST_SENT,
             *MAIN_PIPELINE[MAIN_PIPELINE.index(State.TOWNSHIP_RECOMMENDED) + 1:], *SIDE_STATES)
    rows = [[_(state_label(state)), current.get(state, 0), reached.get(state, 0)] for state in shown]
    table = Table("funnel", _("申报状态漏斗"), [_("状态"), _("当前数量"), _("累计到达")], rows, num_from=1,
                  note=_("当前数量：现处于该状态的申报数；累计到达：曾到达该状态（主流程中含已越过该阶段）的申报数。"))
    stages = [(str(STAGE_SHORT[state]), reached[state]) for state in MAIN_PIPELINE]
    desc = "；".join(f"{label} {value}" for label, value in stages)
    chart = svg.funnel_chart("chart-funnel", _("申报主流程各阶段累计到达数"), desc, stages)
    return Chart("funnel", table.title, chart, table)


def _by_unit(counted, units) -> Chart:
    submitted = Counter(a.enterprise.organisation.parent_id for a in counted)
    recognised = Counter(a.enterprise.organisation.parent_id for a in counted if a.status == State.RECOGNISED)
    known = {unit.pk for unit in units}
    rows = [[unit.name, submitted.get(unit.pk, 0), recognised.get(unit.pk, 0)] for unit in units]
    others = sum(n for pk, n in submitted.items() if pk not in known)
    if others:
        rows.append([_("（其他）"), others, sum(n for pk, n in recognised.items() if pk not in known)])
    rows.sort(key=lambda row: -row[1])
    table = Table("units", _("按乡镇（单位）统计"), [_("乡镇（单位）"), _("已提交申报"), _("其中已认定")], rows)
    items = [(row[0], row[1]) for row in rows]
    chart = svg.hbar_chart("chart-units", _("各乡镇（单位）已提交申报数"),
                           "；".join(f"{label} {value}" for label, value in items), items, unit=_("份"))
    return Chart("units", table.title, chart, table)


def _by_industry(counted) -> Chart:
    groups: dict[str, list] = {}
    for application in counted:
        key, label, section = _division(application.enterprise.industry_code)
        groups.setdefault(key, [section, label, 0])[2] += 1
    rows = sorted(groups.values(), key=lambda row: (-row[2], row[1]))
    table = Table("industries", _("按行业（GB/T 4754-2017 大类）统计"), [_("门类"), _("大类"), _("已提交申报")], rows, num_from=2)
    items = [(row[1], row[2]) for row in rows]
    chart = svg.hbar_chart("chart-industries", _("各行业大类已提交申报数"),
                           "；".join(f"{label} {value}" for label, value in items), items, unit=_("份"), color=svg.BAR_ALT)
    return Chart("industries", table.title, chart, table)


def _heatmap(counted, links_by_application, policy) -> Chart:
    unit_names = sorted({a.enterprise.organisation.parent.name if a.enterprise.organisation.parent else _("（其他）")
                         for a in counted})
    columns = [*unit_names, _("合计")]
    cells: dict[tuple[str, str], int] = Counter()
    for application in counted:
        parent = application.enterprise.organisation.parent
        unit = parent.name if parent else _("（其他）")
        for link in links_by_application.get(application.pk, ()):
            cells[(link, unit)] += 1
            cells[(link, _("合计"))] += 1
    groups, rows = [], []
    for domain in policy.domain_map.values():
        links = [link for link in policy.link_map.values() if link["domain"] == domain["id"]]
        group_rows = []
        for link in links:
            values = [cells.get((link["id"], column), 0) for column in columns]
            group_rows.append((link["name"], values))
            rows.append([domain["name"], link["name"], *values])
        groups.append((domain["name"], group_rows))
    table = Table("scenarios", _("场景覆盖（按环节）"), [_("建设领域"), _("环节"), *columns], rows, num_from=2,
                  note=_("每格为在该环节建设了至少一个典型场景的已提交申报数。"))
    desc = (f"{len(rows)} 个环节按建设领域分组，列为乡镇（单位）及合计；"
            + "；".join(f"{row[1]} 合计 {row[-1]}" for row in rows))
    chart = svg.heatmap("chart-scenarios", _("各环节场景覆盖（申报数）"), desc, groups=groups, columns=columns)
    return Chart("scenarios", table.title, chart, table)


def _maturity(levels: Counter, policy) -> Chart:
    rows = [[info["label"], info["name"], levels.get(level, 0)] for level, info in sorted(policy.maturity_levels.items())]
    rows.append([_("未填写"), "", levels.get(None, 0)])
    table = Table("maturity", _("成熟度自评估等级分布"), [_("等级"), _("名称"), _("申报数")], rows, num_from=2)
    items = [(row[0], row[2]) for row in rows]
    chart = svg.bar_chart("chart-maturity", _("成熟度自评估等级分布"),
                          "；".join(f"{label} {value}" for label, value in items), items)
    return Chart("maturity", table.title, chart, table)


def _kpis(kpi_values, policy) -> tuple[list[Chart], Table]:
    """Each KPI's distribution by 大类 with the benchmark's own statistics and k-anonymity rule (tidu.benchmark.stats):
    quartiles and median only, never an individual value, and nothing at all about a group of fewer than K_MIN."""
    suppressed = _("样本不足5家，不予显示")
    headers = [_("指标"), _("单位"), _("行业大类"), _("申报数"), _("下四分位数"), _("中位数"), _("上四分位数")]
    charts, rows = [], []
    for kpi_id, kpi in policy.kpi_map.items():
        by_industry = kpi_values.get(kpi_id)
        if not by_industry:
            continue
        kpi_rows, groups = [], []
        for label in sorted(by_industry):
            values = by_industry[label]
            figures = benchmark_stats.group_stats(values)
            groups.append((label, len(values), figures))
            if figures is None:
                kpi_rows.append([f"{kpi_id} {kpi['name']}", kpi["unit"], label, len(values), suppressed, "", ""])
            else:
                kpi_rows.append([f"{kpi_id} {kpi['name']}", kpi["unit"], label, len(values), svg.fmt(figures.q1),
                                 svg.fmt(figures.median), svg.fmt(figures.q3)])
        rows.extend(kpi_rows)
        table = Table(f"kpi-{kpi_id}", f"{kpi_id} {kpi['name']}（{kpi['unit']}）", headers, kpi_rows, num_from=3)
        desc = "；".join(f"{row[2]}：{row[3]}，{suppressed}" if row[4] == suppressed else
                        f"{row[2]}：{row[3]}，{headers[4]} {row[4]}，{headers[5]} {row[5]}，{headers[6]} {row[6]}"
                        for row in kpi_rows)
        chart = svg.quartile_plot(f"chart-kpi-{kpi_id}", f"{kpi['name']}（{_('按行业大类')}）", desc, groups,
                                  unit=kpi["unit"], suppressed=suppressed)
        charts.append(Chart(f"kpi-{kpi_id}", table.title, chart, table))
    table = Table("kpis", _("关键绩效指标分布（按行业大类）"), headers, rows, num_from=3,
                  note=_("只统计按公式算得出数值的指标；只显示四分位数和中位数，不显示任何一份申报的数值；"
                         "不足5家的行业大类不予显示。"))
    return charts, table
