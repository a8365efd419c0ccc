"""The rule library: what a clause can mean, each kind a pure function of (application, parameters).

A call pack declares, for each of its clauses, one ``rule`` (and optionally ``also`` further rules) by kind and
parameters; the engine looks the kind up in ``RULES`` and joins the checks. Every function reads the application
(interchange document) through ``ctx`` and returns a list of checks; call-specific values (region, thresholds,
platforms, industries, scopes) come from the parameters or from the call pack, never from this module.
Adding a kind means adding it here, to ``KINDS`` in the call schema, and a unit test.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from tidu.core.sentences import chinese, chinese_value, day, items, sentence, term
from tidu.core.sentences import gettext_noop as N
from tidu.core.timezones import local_day, local_time
from tidu.eligibility.findings import Check, Finding, Result, said
from tidu.eligibility.kpi import KpiResult, compute_all

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


@dataclass
class Context:
    """One application under one call and tier, as the rules read it."""
    policy: Any  # tidu.policy.call_policy.CallPolicy
    app: dict[str, Any]
    tier: dict[str, Any]
    submitted_at: dt.datetime | None = None
    # Findings other clauses refer to (requirements_met): "basic_requirements" and "construction_content".
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    # KPI results already computed from this application's inputs (KPI id → result; the document check's).
    kpis_known: dict[str, KpiResult] = field(default_factory=dict)
    # Set by the engine for one judgement, during which the application does not change: what several rules read
    # is computed once. None (rules called on their own, e.g. in tests): computed on every read.
    memo: dict[str, Any] | None = None

    def get(self, path: str) -> Any:
        node: Any = self.app
        parts = _PATHS.get(path)
        if parts is None:
            parts = tuple(path.split("."))
            if len(_PATHS) < 10_000:  # bounded even if paths came from the outside
                _PATHS[path] = parts
        try:
            for part in parts:
                node = node[part]
        except (KeyError, TypeError):  # absent, or inside a value that is not an object (JSON): read as None
            return None
        return node

    def _memoised(self, key: str, compute):
        memo = self.memo
        if memo is None:
            return compute()
        found = memo.get(key, memo)
        if found is memo:
            found = memo[key] = compute()
        return found

    @property
    def reference_end(self) -> dt.date:
        return self._memoised("reference_end", self._reference_end)

    def _reference_end(self) -> dt.date:
        if self.submitted_at is not None:
            return local_day(self.submitted_at, self.policy)
        return self.policy.window_closes

    @property
    def kpi_results(self) -> dict[str, KpiResult]:
        """Every KPI of the policy computed from the application's inputs."""
        return self._memoised("kpi_results", lambda: compute_all(self.policy.kpi_map, self.app.get("kpis"),
                                                                 self.kpis_known))


# Field paths as their parts (the paths are the packs' and this module's: a few dozen).
_PATHS: dict[str, tuple[str, ...]] = {}


def _num(value: float) -> str:
    return f"{value:g}"


# --- region match -------------------------------------------------------------------------------
def region_match(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """Registered inside the call's region (content.region; ``aliases`` in params add spellings)."""
    region = ctx.get("enterprise.registered_region")
    if not region:
        return [said(MISSING, N("尚未填写登记注册地"))]
    if ctx.policy.covers_region(region, params.get("aliases", [])):
        return [said(PASS, N("在%(region)s内注册（%(registered)s）"), region=ctx.policy.region_name, registered=region)]
    return [said(FAIL, N("登记注册地为“%(registered)s”，不在%(region)s内"), registered=region, region=ctx.policy.region_name)]


# --- legal person, with the industries whose branches may apply -----------------------------------
def legal_person(ctx: Context, params: dict[str, Any]) -> list[Check]:
    status = ctx.get("enterprise.legal_status")
    if status is None:
        return [said(MISSING, N("尚未说明是独立法人还是法人的分支机构"))]
    if status == "legal_person":
        return [said(PASS, N("具有独立法人资格"))]
    if not params.get("branch_exceptions", True):
        return [said(FAIL, N("申报主体为法人的分支机构，本批次要求具有独立法人资格"))]
    return [_branch_check(ctx)]


def _branch_check(ctx: Context) -> Check:
    code = ctx.get("enterprise.industry_code")
    if not code:
        return said(MISSING, N("申报主体为法人的分支机构，尚未填写所属行业代码，无法判断是否属于允许分支机构申报的行业"))
    industries = ctx.policy.branch_industries
    groups = items(dict.fromkeys(i["group"] for i in industries))
    matches = [i for i in industries if code.startswith(i["code"])]
    if not matches:
        return said(REVIEW, N("申报主体为法人的分支机构，所属行业 %(code)s 不在允许分支机构申报的行业（%(groups)s）之列，"
                              "是否属于“有行业特殊情况”需人工复核"), code=code, groups=groups)
    # The most specific entry decides: a named sub-class passes inside a class that is only broadly related.
    industry = max(matches, key=lambda i: len(i["code"]))
    if industry.get("match", "named") == "named":
        return said(PASS, N("申报主体为法人的分支机构，所属行业 %(code)s 属于%(group)s（%(class_code)s %(class_name)s），"
                            "允许分支机构申报"), code=code, group=industry["group"], class_code=industry["code"],
                    class_name=industry["name"])
    return said(REVIEW, N("申报主体为法人的分支机构，所属行业 %(code)s 属于 %(class_code)s %(class_name)s，"
                          "该类中只有部分行业属于%(group)s，是否属于允许分支机构申报的“有行业特殊情况”的行业需人工复核"),
                code=code, class_code=industry["code"], class_name=industry["name"], group=industry["group"])


# --- other clauses this one refers to ------------------------------------------------------------
def requirements_met(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """Carry the result of other clauses (the tier's basic requirements or its construction content) into this one."""
    findings = ctx.findings.get(params.get("of", "basic_requirements"), [])
    what = params.get("what", "《要素条件》基础要求")
    not_passed = [f for f in findings if f.result != PASS]
    if not not_passed:
        return [said(PASS, N("满足%(what)s（%(clauses)s均符合）"), what=what, clauses=items(f.clause for f in findings))]
    return [said(f.result, N("%(what)s中“%(clause)s”%(result)s（详见该条）"), what=what, clause=f.clause,
                 result=term(f.result.label)) for f in not_passed]


# --- a yes/no declaration that must be yes -------------------------------------------------------
def declaration_true(ctx: Context, params: dict[str, Any]) -> list[Check]:
    what = params.get("what", "")
    value = ctx.get(params["field"])
    # A pack's own wording (unanswered / yes / no) is policy text and stays as written; the defaults are ours.
    if value is None:
        if "unanswered" in params:
            return [Check(MISSING, params["unanswered"].format(what=what))]
        return [said(MISSING, N("尚未申明%(what)s"), what=what)]
    if value:
        if "yes" in params:
            return [Check(PASS, params["yes"].format(what=what))]
        return [said(PASS, N("申明%(what)s"), what=what)]
    if "no" in params:
        return [Check(FAIL, params["no"].format(what=what))]
    return [said(FAIL, N("未能做到%(what)s"), what=what)]


def statement_given(ctx: Context, params: dict[str, Any]) -> list[Check]:
    what = params.get("what", "")
    if not str(ctx.get(params["field"]) or "").strip():
        return [said(MISSING, N("尚未说明%(what)s"), what=what)]
    return [said(PASS, N("已说明%(what)s"), what=what)]


# --- threshold on a declared figure --------------------------------------------------------------
# The figures of the interchange format a threshold can be set on: where they are and how they read.
FIGURES: dict[str, dict[str, str]] = {
    "main_business_revenue_10k_yuan": {"path": "enterprise.main_business_revenue_10k_yuan",
                                       "name": N("上年度主营业务收入"), "unit": N(" 万元")},
    "talent_count": {"path": "organisation.talent_count", "name": N("智能制造专业人才"), "unit": N(" 人")},
    "employees": {"path": "enterprise.employees", "name": N("从业人数"), "unit": N(" 人")},
}
DECLARED = {"above_designated_size": "enterprise.above_designated_size"}


def threshold(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """``figure`` ≥ ``min``. With ``declared`` (规上): the declaration decides, a figure below the line is reviewed."""
    figure = FIGURES.get(params["figure"], {"path": params["figure"], "name": params["figure"], "unit": ""})
    value = ctx.get(figure["path"])
    if params.get("declared"):
        return _scale(ctx, params, value)
    minimum = params.get("min", 1)
    if params["figure"] == "talent_count":
        if value is None:
            return [said(MISSING, N("尚未填写智能制造专业人才人数"))]
        if value >= minimum:
            return [said(PASS, N("拥有智能制造专业人才 %(n)s 人"), n=_num(value))]
        if minimum <= 1:
            return [said(FAIL, N("没有智能制造专业人才"))]
        return [said(FAIL, N("智能制造专业人才 %(n)s 人，少于 %(min)s 人"), n=_num(value), min=_num(minimum))]
    name, unit = figure["name"], figure["unit"]
    if value is None:
        return [said(MISSING, N("尚未填写%(name)s"), name=term(name))]
    if value >= minimum:
        return [said(PASS, N("%(name)s %(value)s%(unit)s，达到 %(min)s%(unit)s"), name=term(name), value=_num(value),
                     unit=term(unit), min=_num(minimum))]
    return [said(FAIL, N("%(name)s %(value)s%(unit)s，低于 %(min)s%(unit)s"), name=term(name), value=_num(value),
                 unit=term(unit), min=_num(minimum))]


def _scale_minimum(policy: Any, params: dict[str, Any]) -> Any:
    """The 规上 line a ``declared`` threshold applies: its own ``min``, else the call's."""
    return params.get("min", policy.revenue_min_10k_yuan)


def _scale(ctx: Context, params: dict[str, Any], revenue: Any) -> list[Check]:
    declared = ctx.get(DECLARED.get(params["declared"], params["declared"]))
    minimum = _scale_minimum(ctx.policy, params)
    if declared is None:
        return [said(MISSING, N("尚未说明是否为规模以上工业企业"))]
    if declared is False:
        return [said(FAIL, N("申报主体不是规模以上工业企业"))]
    if revenue is None:
        return [said(MISSING, N("已申明为规上企业，尚未填写上年度主营业务收入（规上标准为 %(min)s 万元及以上）"), min=_num(minimum))]
    if revenue >= minimum:
        return [said(PASS, N("规模以上工业企业，主营业务收入 %(revenue)s 万元，达到 %(min)s 万元标准"), revenue=_num(revenue),
                 min=_num(minimum))]
    return [said(REVIEW, N("申明为规上企业，但主营业务收入 %(revenue)s 万元低于规上标准 %(min)s 万元，"
                           "需核实是否仍在规上企业统计名录内"), revenue=_num(revenue), min=_num(minimum))]


# --- dated events within the look-back -----------------------------------------------------------
EVENT_LISTS = {"bad_credit_records": N("不良信用记录"), "violations": N("违法违规行为")}


def dated_events(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """No listed event (and no accident of the given severities; with ``fatal`` none with deaths) since the
    call's look-back start (content.lookback_years before the window opens)."""
    start = day(ctx.policy.lookback_start)
    checks = []
    for key in params.get("lists", list(EVENT_LISTS)):
        checks.extend(_events(ctx, key, term(EVENT_LISTS.get(key, key)), lambda event: True, start))
    severities = tuple(params.get("severities", ()))
    if severities:
        checks.extend(_events(ctx, "accidents", sentence(N("%(severity)s及以上安全、环保等事故"), severity=severities[0]),
                              lambda event: event["severity"] in severities, start))
    if params.get("fatal"):
        checks.extend(_events(ctx, "accidents", term(N("亡人事故")), lambda event: event["fatalities"] > 0, start,
                              note=params.get("fatal_note", "")))
    return checks


def _events(ctx: Context, key: str, what: dict[str, Any], counts, start: dict[str, str], note: str = "") -> list[Check]:
    record = ctx.app.get("record", {})
    if key not in record:
        return [said(MISSING, N("尚未申报近三年有无%(what)s"), what=what)]
    recent, older, later = [], [], []
    events = [e for e in record[key] if counts(e)]
    if events:  # most applications list none
        lookback, end = ctx.policy.lookback_start, ctx.reference_end
        for event in events:
            day = dt.date.fromisoformat(event["date"])
            (older if day < lookback else later if day > end else recent).append(event)
    checks = []
    if recent:
        dates = items(event["date"] for event in recent)
        checks.append(said(FAIL, N("近三年（%(start)s以来）有%(what)s %(n)s 起（%(dates)s）%(note)s"), start=start,
                           what=what, n=len(recent), dates=dates, note=note))
    elif older:
        checks.append(said(PASS, N("近三年（%(start)s以来）无%(what)s；另有 %(n)s 起早于%(start)s，不计入近三年"),
                           start=start, what=what, n=len(older)))
    else:
        checks.append(said(PASS, N("近三年（%(start)s以来）无%(what)s"), start=start, what=what))
    if later:
        dates = items(event["date"] for event in later)
        checks.append(said(REVIEW, N("%(what)s记录的日期（%(dates)s）晚于申报时间，请核实"), what=what, dates=dates))
    return checks


def list_consistent(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """Rows of a list marked as not meeting a declaration that says yes: reviewed."""
    flag = params.get("flag", "secure_controllable")
    rows = ctx.app.get(params.get("list", "equipment"), [])
    uncontrolled = [item["name"] for item in rows if not item.get(flag)]
    if uncontrolled and ctx.get(params.get("declaration", "security.secure_and_controllable")):
        return [said(REVIEW, N("关键技术装备与工业软件清单中有 %(n)s 项标为非安全可控（%(names)s），与“安全可控”的申明不一致，"
                               "需人工复核"), n=len(uncontrolled), names=items(uncontrolled))]
    return []


# --- maturity level ≥ n, with a report made on a named platform ------------------------------------
def maturity_level(ctx: Context, params: dict[str, Any]) -> list[Check]:
    maturity = ctx.app.get("maturity", {})
    minimum = params.get("min_level", ctx.tier["maturity_min_level"])
    level = maturity.get("level")
    checks: list[Check]
    if level is None:
        checks = [said(MISSING, N("尚未填写智能制造能力成熟度自评估等级"))]
    else:
        checks = [_level_check(level, minimum, ctx.tier["name"], ctx.policy.maturity.content["standard"]["code"])]
        score = maturity.get("score")
        band = ctx.policy.maturity_levels.get(level)
        if score is not None and band is not None:
            upper_ok = score < band["score_max"] or (level == 5 and score <= band["score_max"])
            if not (band["score_min"] <= score and upper_ok):
                checks.append(said(REVIEW, N("自评估得分 %(score)s 与%(level)s的得分区间（%(low)s–%(high)s）不一致，请核对评估报告"),
                                   score=_num(score), level=term(LEVEL_LABELS[level]), low=_num(band["score_min"]),
                                   high=_num(band["score_max"])))
    if params.get("platform"):
        checks.extend(_platform_checks(ctx, maturity, params))
    return checks


# The level check and the platform check (when it passes) are worded only from a level (five of them), the
# tier and the policy: kept by those values (bounded, shared by every application with the same level) instead
# of written again for each. Checks are frozen. The report's number and date are the application's own: not kept.
@functools.lru_cache(maxsize=256)
def _level_check(level: Any, minimum: Any, tier_name: str, standard: str) -> Check:
    if level < minimum:
        return said(FAIL, N("成熟度自评估为%(level)s，%(tier)s要求达到 %(standard)s %(min)s及以上"),
                    level=term(LEVEL_LABELS[level]), tier=tier_name, standard=standard, min=term(LEVEL_LABELS[minimum]))
    return said(PASS, N("成熟度自评估为%(level)s，达到%(min)s及以上"), level=term(LEVEL_LABELS[level]),
                min=term(LEVEL_LABELS[minimum]))


@functools.lru_cache(maxsize=256)
def _platform_used(name: str) -> Check:
    return said(PASS, N("在“%(platform)s”开展自评估"), platform=name)


def _platform_checks(ctx: Context, maturity: dict[str, Any], params: dict[str, Any]) -> list[Check]:
    name = params["platform"]
    aliases = params.get("platform_aliases") or [name]
    checks = []
    platform = (maturity.get("platform") or "").strip()
    if not platform:
        checks.append(said(MISSING, N("尚未说明在哪个平台开展自评估")))
    elif any(alias.lower() in platform.lower() for alias in aliases):
        checks.append(_platform_used(name))
    else:
        checks.append(said(FAIL, N("自评估平台为“%(given)s”，通知要求登录“%(platform)s”开展"), given=platform, platform=name))
    if not params.get("report", True):
        return checks
    if not (maturity.get("report_number") or "").strip():
        checks.append(said(MISSING, N("尚未填写自评估报告编号")))
    else:
        checks.append(said(PASS, N("自评估报告编号 %(number)s"), number=maturity["report_number"].strip()))
    report_date = maturity.get("report_date")
    if report_date is None:
        checks.append(said(MISSING, N("尚未填写自评估报告日期")))
    elif dt.date.fromisoformat(report_date) > ctx.reference_end:
        checks.append(said(FAIL, N("自评估报告日期 %(date)s 晚于申报时间"), date=day(report_date)))
    else:
        checks.append(said(PASS, N("自评估报告日期 %(date)s"), date=day(report_date)))
    return checks


# --- coverage through 环节 → domain ---------------------------------------------------------------
def covered_domains(ctx: Context) -> dict[str, list[str]]:
    """Domain id → the ids of the application's scenarios in it (read-only: shared within one judgement)."""
    return ctx._memoised("covered_domains", lambda: _covered_domains(ctx))


def _covered_domains(ctx: Context) -> dict[str, list[str]]:
    covered: dict[str, list[str]] = {}
    for scenario in ctx.app.get("scenarios", []):
        covered.setdefault(ctx.policy.domain_of_scenario(scenario["id"]), []).append(scenario["id"])
    return covered


def ai_ratio(ctx: Context) -> float | None:
    return ctx._memoised("ai_ratio", lambda: _ai_ratio(ctx))


def ai_count(ctx: Context) -> int:
    """How many of the application's scenarios apply AI."""
    return ctx._memoised("ai_count", lambda: len([s for s in ctx.app.get("scenarios", []) if s.get("uses_ai")]))


def _ai_ratio(ctx: Context) -> float | None:
    scenarios = ctx.app.get("scenarios", [])
    return round(ai_count(ctx) / len(scenarios) * 100, 2) if scenarios else None


def coverage(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """The scenarios built cover every required domain (``domains``; default: the tier's required domains)."""
    policy, tier = ctx.policy, ctx.tier
    scenarios = ctx.app.get("scenarios")
    domains = policy.domain_map
    required = params.get("domains") or tier["required_domains"]
    if not scenarios:
        return [said(MISSING, N("尚未选择已建设的典型场景；%(tier)s至少需覆盖%(domains)s环节"), tier=tier["name"],
                     domains=items(domains[d]["name"] for d in required))]
    covered = covered_domains(ctx)
    labels = _scenario_labels(policy)
    checks = []
    for domain_id in required:
        if domain_id in covered:
            via = items([labels[sid] for sid in covered[domain_id]])
            checks.append(said(PASS, N("覆盖%(domain)s：%(scenarios)s"), domain=domains[domain_id]["name"], scenarios=via))
        else:
            links = items(link["name"] for link in policy.link_map.values()
                          if link["domain"] == domain_id and link["in_seed"])
            checks.append(said(FAIL, N("未覆盖%(domain)s环节（%(domain)s涵盖%(links)s），%(tier)s要求至少覆盖该环节"),
                               domain=domains[domain_id]["name"], links=links, tier=tier["name"]))
    undescribed = [s["id"] for s in scenarios if not (s.get("description") or "").strip()]
    if undescribed:
        checks.append(said(MISSING, N("场景 %(ids)s 尚未填写建设内容说明"), ids=items(undescribed)))
    if params.get("ai_ratio", True):
        ratio_min = tier.get("ai_scenario_ratio_min")
        if ratio_min is not None:
            checks.extend(ratio_at_least(ctx, {"min": ratio_min}))
    return checks


def _scenario_labels(policy: Any) -> dict[str, str]:
    """Scenario id → "SC09 <scenario>（<环节>）", as coverage names a scenario: the catalogue's, once per call."""
    labels = policy.compiled.get("scenario-labels")
    if labels is None:
        labels = policy.compiled["scenario-labels"] = {
            sid: f"{sid} {scenario['name']}（{policy.link_map[scenario['link']]['name']}）"
            for sid, scenario in policy.scenario_map.items()}
    return labels


def ratio_at_least(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """The share of scenarios applying AI (%) ≥ ``min``."""
    ratio, ratio_min = ai_ratio(ctx), params["min"]
    result = PASS if ratio is not None and ratio >= ratio_min else FAIL
    shown = f"{ratio:g}" if ratio is not None else "—"
    return [said(result, N("应用人工智能技术场景比例 %(ratio)s%%，%(tier)s要求不低于 %(min)s%%"), ratio=shown,
                 tier=ctx.tier["name"], min=_num(ratio_min))]


def scope_allowed(ctx: Context, params: dict[str, Any]) -> list[Check]:
    scope = ctx.app.get("scope")
    allowed = params.get("scopes") or ctx.tier["allowed_scopes"]
    name = ctx.tier["name"]
    if scope is None:
        return [said(MISSING, N("尚未选择建设范围（产线级、车间级或工厂级）"))]
    if scope in allowed:
        return [said(PASS, N("建设范围为%(scope)s，%(tier)s可以是%(allowed)s"), scope=scope, tier=name,
                     allowed=items(allowed))]
    return [said(REVIEW, N("建设范围为%(scope)s，%(tier)s智能工厂可以是%(allowed)s，需人工复核申报等级是否合适"), scope=scope,
                 tier=name, allowed=items(allowed))]


# --- submission inside the window ----------------------------------------------------------------
def submission_window(ctx: Context, params: dict[str, Any]) -> list[Check]:
    policy = ctx.policy
    if ctx.submitted_at is None:
        return [_about_window(MISSING, N("尚未提交；申报时间为%(window)s"), policy)]
    local = local_time(ctx.submitted_at, policy)
    if local < policy.opens_at:
        return [_about_window(FAIL, N("提交时间 %(date)s %(time)s（北京时间）早于申报开始时间；申报时间为%(window)s"), policy,
                              local)]
    if local >= policy.closes_before:
        return [_about_window(FAIL, N("提交时间 %(date)s %(time)s（北京时间）晚于申报截止时间；申报时间为%(window)s"), policy,
                              local)]
    return [_about_window(PASS, N("提交时间 %(date)s %(time)s（北京时间）在申报时间%(window)s内"), policy, local)]


def _about_window(result: Result, msgid: str, policy: Any, local: dt.datetime | None = None) -> Check:
    """``said(result, msgid, [date=…, time=…,] window=…)`` with the call's window sentence and its Chinese text kept
    per call (the same for every application): only the submission's own day and time are written each time."""
    window = policy.compiled.get("window-sentence")
    if window is None:
        source = sentence(N("%(opens)s至%(closes)s（北京时间，含当日）"), opens=day(policy.window_opens),
                          closes=day(policy.window_closes))
        window = policy.compiled["window-sentence"] = (source, chinese(source))
    source, text = window
    if local is None:
        return Check(result, msgid % {"window": text}, {"m": msgid, "p": {"window": source}})
    date, time = day(local.date()), f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return Check(result, msgid % {"date": chinese_value(date), "time": time, "window": text},
                 {"m": msgid, "p": {"date": date, "time": time, "window": source}})


# --- outcomes only reviewers can judge -----------------------------------------------------------
def outcome_judged(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """An outcome (``text``) judged by the reviewers: review with the KPIs reported, missing when none is."""
    text = params["text"]
    reported = [(kpi_id, r) for kpi_id, r in ctx.kpi_results.items() if r.value is not None]
    if not reported:
        return [said(MISSING, N("尚未填报关键绩效指标，无法评估建设成效：%(text)s"), text=text)]
    figures = items(f"{kpi_id} {r.name} {r.value:g}{r.unit or ''}" for kpi_id, r in reported)
    return [said(REVIEW, N("建设成效须由评审专家判断：%(text)s（已填报指标：%(figures)s）"), text=text, figures=figures)]


# --- a tier the factory must hold before applying --------------------------------------------------
def prerequisite_tier(ctx: Context, params: dict[str, Any]) -> list[Check]:
    """The applicant must already be recognised (or self-rated and recorded) at ``tier``: the interchange carries
    ``record.prior_tier`` when the applicant states it; the officers verify it against the records."""
    tier = ctx.policy.find_tier(params["tier"]) or {"id": params["tier"], "name": params["tier"]}
    prior = ctx.get("record.prior_tier")
    if prior is None:
        return [said(REVIEW, N("须已入库（或自评为）%(tier)s智能工厂，需核实"), tier=tier["name"])]
    held = ctx.policy.find_tier(prior)
    order = [t["id"] for t in ctx.policy.tier_map.values()]
    if held and tier["id"] in order and order.index(held["id"]) >= order.index(tier["id"]):
        return [said(PASS, N("申明已为%(tier)s智能工厂（需核实）"), tier=held["name"])]
    return [said(FAIL, N("须先为%(tier)s智能工厂，申明为“%(prior)s”"), tier=tier["name"], prior=prior)]


def not_judged(ctx: Context, params: dict[str, Any]) -> list[Check]:
    return [said(REVIEW, N("本条未声明判定规则，需人工复核"))]


# --- rules that depend on one small value of the application -------------------------------------
# The checks of these kinds are a function of the plan (policy, tier, parameters) and of one value that takes a
# handful of forms across all applications: a yes/no declaration, whether a statement is given, a choice from a
# short list, the results of other clauses, an empty event list. ``KEYS[kind](ctx, params)`` returns that value
# (hashable), or UNCACHED when this application's value is not of those few forms (the rule is then run). The
# engine keeps such checks per plan and value instead of writing the same sentences again for every application
# (``tidu.eligibility.engine``). A key function must read everything its rule reads from the application.
UNCACHED = object()


def _declared_key(ctx: Context, params: dict[str, Any]) -> bool | None:
    value = ctx.get(params["field"])
    return None if value is None else bool(value)  # declaration_true reads only whether it is given and true


def _statement_key(ctx: Context, params: dict[str, Any]) -> bool:
    return bool(str(ctx.get(params["field"]) or "").strip())


def _legal_person_key(ctx: Context, params: dict[str, Any]) -> Any:
    status = ctx.get("enterprise.legal_status")
    if status is None or status == "legal_person":
        return status
    code = ctx.get("enterprise.industry_code")  # a branch office: its industry decides
    return ("branch", code) if code is None or type(code) is str else UNCACHED  # noqa: E721


def _no_events_key(ctx: Context, params: dict[str, Any]) -> Any:
    """Which of the lists dated_events reads are on record, when every one on record is empty (most applications)."""
    record = ctx.app.get("record", {})
    if record.__class__ is not dict:  # judged by the rule itself (which reports the bad shape)
        return UNCACHED
    read = [*params.get("lists", EVENT_LISTS)]
    if params.get("severities") or params.get("fatal"):
        read.append("accidents")
    present = []
    for name in read:
        events = record.get(name, UNCACHED)
        if events is UNCACHED:
            present.append(False)
        elif events == []:
            present.append(True)
        else:  # events, or a list of the wrong shape: judged by the rule
            return UNCACHED
    return tuple(present)


def _results_key(ctx: Context, params: dict[str, Any]) -> tuple[tuple[str, Result], ...]:
    # (A list built then frozen: cheaper than a generator, which resumes a frame per item.)
    return tuple([(f.clause, f.result) for f in ctx.findings.get(params.get("of", "basic_requirements"), [])])


def _choice_key(path: str):
    def key(ctx: Context, params: dict[str, Any]) -> Any:
        value = ctx.get(path)
        return value if value is None or type(value) is str else UNCACHED  # noqa: E721
    return key


KEYS = {
    "declaration_true": _declared_key,
    "statement_given": _statement_key,
    "legal_person": _legal_person_key,
    "dated_events": _no_events_key,
    "requirements_met": _results_key,
    "region_match": _choice_key("enterprise.registered_region"),  # a place name: the call's region, mostly
    "scope_allowed": _choice_key("scope"),
    "prerequisite_tier": _choice_key("record.prior_tier"),
    "not_judged": lambda ctx, params: None,
}


def params_in_effect(kind: str, params: dict[str, Any], policy: Any) -> dict[str, Any]:
    """``params`` as the rule reads them, for telling whether two declarations run the same checks (the engine runs
    such rules once per evaluation): a 规上 threshold that leaves its line to the call and one that writes the
    call's line out are the same rule. The minimum is compared as a float, which is how the rule reads it (``>=``,
    ``%g``): 2000 and 2000.0 give the same checks. Everything else is compared as declared."""
    if kind == "threshold" and params.get("declared"):
        minimum = _scale_minimum(policy, params)
        if minimum.__class__ in (int, float):  # not bool; a malformed line is left as declared
            return {**params, "min": float(minimum)}
    return params


RULES = {
    "region_match": region_match,
    "legal_person": legal_person,
    "requirements_met": requirements_met,
    "declaration_true": declaration_true,
    "statement_given": statement_given,
    "threshold": threshold,
    "dated_events": dated_events,
    "list_consistent": list_consistent,
    "maturity_level": maturity_level,
    "coverage": coverage,
    "ratio_at_least": ratio_at_least,
    "scope_allowed": scope_allowed,
    "submission_window": submission_window,
    "outcome_judged": outcome_judged,
    "prerequisite_tier": prerequisite_tier,
}
# Call rules enforced outside the engine (tidu.lists when a township signs its 推荐名单).
CALL_RULE_KINDS = ("recommendation_quota", "prerequisite_tier")


def run(ctx: Context, declaration: dict[str, Any]) -> list[Check]:
    """All checks of one declared clause: its ``rule`` then its ``also`` rules, in order."""
    rules = [declaration["rule"], *declaration.get("also", [])] if declaration.get("rule") else []
    if not rules:
        return not_judged(ctx, {})
    checks: list[Check] = []
    for rule in rules:
        checks.extend(RULES[rule["kind"]](ctx, rule.get("params") or {}))
    return checks
