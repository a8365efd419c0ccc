"""The eligibility and tier engine (plain Python, no Django).

``evaluate(policy, document)`` judges one application against a call and a tier. It never stops at
the first failure: every clause of the call (申报条件1–9, 申报时间) and of the element conditions
(基础要求1–5, 建设内容-<tier>) comes back as a finding that says, in Chinese, exactly what passes,
fails, needs review or is still missing, next to the clause's own text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu.core.dates import date_zh
from tidu.core.timezones import local_day, local_time
from tidu.eligibility.findings import Check, Finding, Outcome, Result, Verdict, worst
from tidu.eligibility.interchange import InterchangeError, parse_submitted_at, validate
from tidu.eligibility.kpi import compute_all
from tidu.policy.call_policy import CallPolicy

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING

# 较大及以上 in the national accident grading (一般 < 较大 < 重大 < 特别重大).
SERIOUS_ACCIDENT_SEVERITIES = ("较大", "重大", "特别重大")
PUBLIC_ASSESSMENT_PLATFORM_NAMES = ("智能制造评估评价公共服务平台", "c3mep", "www.c3mep.cn")
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


def evaluate(policy: CallPolicy, document: Any, tier: str | None = None, *, trusted: bool = False) -> Verdict:
    """Judge ``document`` (interchange format) under ``policy``; ``tier`` overrides the document's tier.

    The JSON schema is checked where documents enter (the CLI, imports): ``trusted=True`` is for documents the
    project built itself from cleaned sections, which skip that check (the policy checks still run).
    """
    application = validate(document, policy, schema=not trusted)
    try:
        tier_def = _resolve_tier(policy, tier or application.get("tier"))
        return _Judgement(policy, application, tier_def).verdict()
    except (KeyError, TypeError, AttributeError, ValueError):
        if trusted:  # a built document of an unexpected shape: report it as any input would be reported
            validate(document, policy)
        raise


def _resolve_tier(policy: CallPolicy, id_or_name: str | None) -> dict[str, Any]:
    if id_or_name is None:
        return policy.call_tier
    tier_def = policy.find_tier(id_or_name)
    if tier_def is None:
        raise InterchangeError([("tier", f"未知的申报等级 {id_or_name!r}")])
    return tier_def


class _Judgement:
    """Evaluates one application; each method returns the checks of one rule."""

    def __init__(self, policy: CallPolicy, app: dict[str, Any], tier: dict[str, Any]):
        self.policy = policy
        self.app = app
        self.tier = tier
        self.submitted_at = parse_submitted_at(app["submitted_at"]) if "submitted_at" in app else None
        self.enterprise = app.get("enterprise", {})
        self.record = app.get("record", {})

    # --- assembling -----------------------------------------------------------------------------
    def verdict(self) -> Verdict:
        requirements = {
            "基础要求1": self.scale_and_competitiveness(),
            "基础要求2": self.record_checks(exclude_fatal=False),
            "基础要求3": self.security_checks(),
            "基础要求4": self.organisation_checks(),
            "基础要求5": self.maturity_level_checks(),
        }
        coverage_clause = self.tier["coverage_clause"]
        coverage_checks = self.coverage_checks()
        requirement_findings = [self._finding(clause, checks, "tiers") for clause, checks in requirements.items()]
        coverage_finding = Finding.from_checks(coverage_clause, self.tier["coverage_text"],
                                               self.policy.tiers.ref, coverage_checks)
        tier_findings = [coverage_finding, *self.outcome_findings()]

        conditions = {
            "申报条件1": self.region_and_legal_status() + self._summarise(requirement_findings, "《要素条件》基础要求"),
            "申报条件2": self.construction_completed() + self._summarise([coverage_finding], "建设内容"),
            "申报条件3": self.scale_and_competitiveness(),
            "申报条件4": self.record_checks(exclude_fatal=True),
            "申报条件5": self.security_checks(),
            "申报条件6": self.organisation_checks(),
            "申报条件7": self.maturity_level_checks() + self.maturity_platform_checks(),
            "申报条件8": self.cooperation_checks(),
            "申报条件9": self.scope_checks(),
        }
        condition_findings = [self._finding(clause, checks, "call") for clause, checks in conditions.items()]
        timing = Finding.from_checks("申报时间", self.policy.call.content["window"]["text"], self.policy.call.ref,
                                     self.timing_checks())

        findings = (*condition_findings, timing, *requirement_findings, *tier_findings)
        eligible = all(f.result == PASS for f in (*condition_findings, timing))
        # A tier is met only when every element condition is: 建设成效 included, which only reviewers can
        # judge, so a tier with judged outcomes is never met by the engine alone.
        tier_met = all(f.result == PASS for f in (*requirement_findings, *tier_findings))
        overall = worst(f.result for f in findings)
        outcome = {PASS: Outcome.ELIGIBLE, FAIL: Outcome.INELIGIBLE, MISSING: Outcome.INCOMPLETE,
                   REVIEW: Outcome.NEEDS_REVIEW}[overall]
        kpis = {kpi_id: {"name": r.name, "unit": r.unit, "value": r.value, "status": r.status,
                         "missing_inputs": list(r.missing)}
                for kpi_id, r in compute_all(self.policy.kpi_map, self.app.get("kpis")).items()}
        return Verdict(eligible=eligible, tier_met=tier_met, outcome=outcome, tier=self.tier["id"],
                       tier_name=self.tier["name"], call=self.policy.code,
                       policy_versions=self.policy.versions, findings=findings, kpis=kpis,
                       coverage=self.coverage_summary())

    def _finding(self, clause: str, checks: list[Check], pack: str) -> Finding:
        if pack == "call":
            text, source = self.policy.conditions[clause], self.policy.call.ref
        else:
            text, source = self.policy.basic_requirements[clause], self.policy.tiers.ref
        return Finding.from_checks(clause, text, source, checks)

    @staticmethod
    def _summarise(findings: list[Finding], what: str) -> list[Check]:
        """Carry the result of other clauses into a condition that refers to them."""
        not_passed = [f for f in findings if f.result != PASS]
        if not not_passed:
            return [Check(PASS, f"满足{what}（{'、'.join(f.clause for f in findings)}均符合）")]
        return [Check(f.result, f"{what}中“{f.clause}”{f.result.label}（详见该条）") for f in not_passed]

    # --- 申报条件1: region, legal person, branch industries ---------------------------------------
    def region_and_legal_status(self) -> list[Check]:
        checks = []
        region = self.enterprise.get("registered_region")
        if not region:
            checks.append(Check(MISSING, "尚未填写登记注册地"))
        elif any(region.replace(" ", "").startswith(alias) for alias in self.policy.region_aliases):
            checks.append(Check(PASS, f"在{self.policy.region_name}内注册（{region}）"))
        else:
            checks.append(Check(FAIL, f"登记注册地为“{region}”，不在{self.policy.region_name}内"))

        status = self.enterprise.get("legal_status")
        if status is None:
            checks.append(Check(MISSING, "尚未说明是独立法人还是法人的分支机构"))
        elif status == "legal_person":
            checks.append(Check(PASS, "具有独立法人资格"))
        else:
            checks.append(self._branch_check())
        return checks

    def _branch_check(self) -> Check:
        code = self.enterprise.get("industry_code")
        if not code:
            return Check(MISSING, "申报主体为法人的分支机构，尚未填写所属行业代码，无法判断是否属于允许分支机构申报的行业")
        groups = "、".join(dict.fromkeys(i["group"] for i in self.policy.branch_industries))
        matches = [i for i in self.policy.branch_industries if code.startswith(i["code"])]
        if not matches:
            return Check(REVIEW, f"申报主体为法人的分支机构，所属行业 {code} 不在允许分支机构申报的行业（{groups}）之列，"
                                 "是否属于“有行业特殊情况”需人工复核")
        # The most specific entry decides: a named sub-class passes inside a class that is only broadly related.
        industry = max(matches, key=lambda i: len(i["code"]))
        if industry.get("match", "named") == "named":
            return Check(PASS, f"申报主体为法人的分支机构，所属行业 {code} 属于{industry['group']}"
                               f"（{industry['code']} {industry['name']}），允许分支机构申报")
        return Check(REVIEW, f"申报主体为法人的分支机构，所属行业 {code} 属于 {industry['code']} {industry['name']}，"
                             f"该类中只有部分行业属于{industry['group']}，是否属于允许分支机构申报的"
                             f"“有行业特殊情况”的行业需人工复核")

    # --- 申报条件2 -------------------------------------------------------------------------------
    def construction_completed(self) -> list[Check]:
        completed = self.app.get("construction_completed")
        if completed is None:
            return [Check(MISSING, "尚未确认是否已完成智能工厂建设")]
        if completed:
            return [Check(PASS, "已完成智能工厂建设")]
        return [Check(FAIL, "尚未完成智能工厂建设，通知要求申报主体已完成建设")]

    # --- 申报条件3 / 基础要求1: 规上 and competitiveness -----------------------------------------
    def scale_and_competitiveness(self) -> list[Check]:
        checks = []
        declared = self.enterprise.get("above_designated_size")
        revenue = self.enterprise.get("main_business_revenue_10k_yuan")
        threshold = self.policy.revenue_min_10k_yuan
        if declared is None:
            checks.append(Check(MISSING, "尚未说明是否为规模以上工业企业"))
        elif declared is False:
            checks.append(Check(FAIL, "申报主体不是规模以上工业企业"))
        elif revenue is None:
            checks.append(Check(MISSING, f"已申明为规上企业，尚未填写上年度主营业务收入（规上标准为 {threshold:g} 万元及以上）"))
        elif revenue >= threshold:
            checks.append(Check(PASS, f"规模以上工业企业，主营业务收入 {revenue:g} 万元，达到 {threshold:g} 万元标准"))
        else:
            checks.append(Check(REVIEW, f"申明为规上企业，但主营业务收入 {revenue:g} 万元低于规上标准 {threshold:g} 万元，"
                                        "需核实是否仍在规上企业统计名录内"))
        if not (self.enterprise.get("competitiveness") or "").strip():
            checks.append(Check(MISSING, "尚未说明企业和产品的市场竞争力"))
        else:
            checks.append(Check(PASS, "已说明企业和产品的市场竞争力"))
        return checks

    # --- 申报条件4 / 基础要求2: the last three years ---------------------------------------------
    def _reference_end(self) -> dt.date:
        if self.submitted_at is not None:
            return local_day(self.submitted_at, self.policy)
        return self.policy.window_closes

    def _classify_event_dates(self, events: list[dict[str, Any]]):
        start, end = self.policy.lookback_start, self._reference_end()
        recent, older, later = [], [], []
        for event in events:
            day = dt.date.fromisoformat(event["date"])
            (older if day < start else later if day > end else recent).append(event)
        return recent, older, later

    def record_checks(self, exclude_fatal: bool) -> list[Check]:
        checks = []
        start = date_zh(self.policy.lookback_start)
        sound = self.record.get("operations_and_finance_sound")
        if sound is None:
            checks.append(Check(MISSING, "尚未申明近三年经营和财务状况"))
        elif sound:
            checks.append(Check(PASS, "申明近三年经营和财务状况良好"))
        else:
            checks.append(Check(FAIL, "近三年经营和财务状况不良"))

        lists = [("bad_credit_records", "不良信用记录"), ("violations", "违法违规行为")]
        for key, what in lists:
            checks.extend(self._event_list_checks(key, what, lambda event: True, start))

        def serious(event):
            return event["severity"] in SERIOUS_ACCIDENT_SEVERITIES

        checks.extend(self._event_list_checks("accidents", "较大及以上安全、环保等事故", serious, start))
        if exclude_fatal:
            checks.extend(self._event_list_checks(
                "accidents", "亡人事故", lambda event: event["fatalities"] > 0, start,
                note="（通知比《要素条件》更严格：一般事故造成人员死亡的也不得申报）"))
        return checks

    def _event_list_checks(self, key: str, what: str, counts, start: str, note: str = "") -> list[Check]:
        if key not in self.record:
            return [Check(MISSING, f"尚未申报近三年有无{what}")]
        relevant = [event for event in self.record[key] if counts(event)]
        recent, older, later = self._classify_event_dates(relevant)
        checks = []
        if recent:
            dates = "、".join(event["date"] for event in recent)
            checks.append(Check(FAIL, f"近三年（{start}以来）有{what} {len(recent)} 起（{dates}）{note}"))
        else:
            checks.append(Check(PASS, f"近三年（{start}以来）无{what}"
                                      + (f"；另有 {len(older)} 起早于{start}，不计入近三年" if older else "")))
        if later:
            dates = "、".join(event["date"] for event in later)
            checks.append(Check(REVIEW, f"{what}记录的日期（{dates}）晚于申报时间，请核实"))
        return checks

    # --- 申报条件5 / 基础要求3 -------------------------------------------------------------------
    def security_checks(self) -> list[Check]:
        security = self.app.get("security", {})
        checks = []
        for key, what in (("secure_and_controllable", "关键技术装备、工业软件、工业操作系统、系统解决方案等安全可控"),
                          ("cyber_and_data_risk_controllable", "网络安全和数据安全风险可控")):
            value = security.get(key)
            if value is None:
                checks.append(Check(MISSING, f"尚未申明{what}"))
            elif value:
                checks.append(Check(PASS, f"申明{what}"))
            else:
                checks.append(Check(FAIL, f"未能做到{what}"))
        uncontrolled = [item["name"] for item in self.app.get("equipment", []) if not item["secure_controllable"]]
        if uncontrolled and security.get("secure_and_controllable"):
            checks.append(Check(REVIEW, f"关键技术装备与工业软件清单中有 {len(uncontrolled)} 项标为非安全可控"
                                        f"（{'、'.join(uncontrolled)}），与“安全可控”的申明不一致，需人工复核"))
        return checks

    # --- 申报条件6 / 基础要求4 -------------------------------------------------------------------
    def organisation_checks(self) -> list[Check]:
        organisation = self.app.get("organisation", {})
        checks = []
        mechanism = organisation.get("has_mechanism")
        if mechanism is None:
            checks.append(Check(MISSING, "尚未说明智能工厂统筹规划、建设和运营的组织机制"))
        elif mechanism:
            checks.append(Check(PASS, "已建立智能工厂统筹规划、建设和运营的组织机制"))
        else:
            checks.append(Check(FAIL, "未建立智能工厂统筹规划、建设和运营的组织机制"))
        talent = organisation.get("talent_count")
        if talent is None:
            checks.append(Check(MISSING, "尚未填写智能制造专业人才人数"))
        elif talent > 0:
            checks.append(Check(PASS, f"拥有智能制造专业人才 {talent} 人"))
        else:
            checks.append(Check(FAIL, "没有智能制造专业人才"))
        return checks

    # --- 申报条件7 / 基础要求5: maturity -----------------------------------------------------------
    def maturity_level_checks(self) -> list[Check]:
        maturity = self.app.get("maturity", {})
        minimum = self.tier["maturity_min_level"]
        level = maturity.get("level")
        if level is None:
            return [Check(MISSING, "尚未填写智能制造能力成熟度自评估等级")]
        standard = self.policy.maturity.content["standard"]["code"]
        if level < minimum:
            checks = [Check(FAIL, f"成熟度自评估为{LEVEL_LABELS[level]}，{self.tier['name']}要求达到 {standard} "
                                  f"{LEVEL_LABELS[minimum]}及以上")]
        else:
            checks = [Check(PASS, f"成熟度自评估为{LEVEL_LABELS[level]}，达到{LEVEL_LABELS[minimum]}及以上")]
        score = maturity.get("score")
        band = self.policy.maturity_levels.get(level)
        if score is not None and band is not None:
            upper_ok = score < band["score_max"] or (level == 5 and score <= band["score_max"])
            if not (band["score_min"] <= score and upper_ok):
                checks.append(Check(REVIEW, f"自评估得分 {score:g} 与{LEVEL_LABELS[level]}的得分区间"
                                            f"（{band['score_min']:g}–{band['score_max']:g}）不一致，请核对评估报告"))
        return checks

    def maturity_platform_checks(self) -> list[Check]:
        maturity = self.app.get("maturity", {})
        checks = []
        platform = (maturity.get("platform") or "").strip()
        if not platform:
            checks.append(Check(MISSING, "尚未说明在哪个平台开展自评估"))
        elif any(name.lower() in platform.lower() for name in PUBLIC_ASSESSMENT_PLATFORM_NAMES):
            checks.append(Check(PASS, "在“智能制造评估评价公共服务平台”开展自评估"))
        else:
            checks.append(Check(FAIL, f"自评估平台为“{platform}”，通知要求登录“智能制造评估评价公共服务平台”开展"))
        if not (maturity.get("report_number") or "").strip():
            checks.append(Check(MISSING, "尚未填写自评估报告编号"))
        else:
            checks.append(Check(PASS, f"自评估报告编号 {maturity['report_number'].strip()}"))
        report_date = maturity.get("report_date")
        if report_date is None:
            checks.append(Check(MISSING, "尚未填写自评估报告日期"))
        elif dt.date.fromisoformat(report_date) > self._reference_end():
            checks.append(Check(FAIL, f"自评估报告日期 {date_zh(report_date)} 晚于申报时间"))
        else:
            checks.append(Check(PASS, f"自评估报告日期 {date_zh(report_date)}"))
        return checks

    # --- 申报条件8 -------------------------------------------------------------------------------
    def cooperation_checks(self) -> list[Check]:
        cooperation = self.app.get("cooperation", {})
        checks = []
        for key, what in (("onsite_verification", "现场核查"), ("technology_promotion", "技术推广"),
                          ("case_exchange", "典型案例交流")):
            value = cooperation.get(key)
            if value is None:
                checks.append(Check(MISSING, f"尚未确认是否愿意配合{what}"))
            elif value:
                checks.append(Check(PASS, f"愿意配合{what}"))
            else:
                checks.append(Check(FAIL, f"不愿配合{what}"))
        return checks

    # --- 申报条件9 -------------------------------------------------------------------------------
    def scope_checks(self) -> list[Check]:
        scope = self.app.get("scope")
        allowed = self.tier["allowed_scopes"]
        if scope is None:
            return [Check(MISSING, "尚未选择建设范围（产线级、车间级或工厂级）")]
        if scope in allowed:
            return [Check(PASS, f"建设范围为{scope}，{self.tier['name']}可以是{'、'.join(allowed)}")]
        return [Check(REVIEW, f"建设范围为{scope}，{self.tier['name']}智能工厂可以是{'、'.join(allowed)}，需人工复核申报等级是否合适")]

    # --- 申报时间 -------------------------------------------------------------------------------
    def timing_checks(self) -> list[Check]:
        window = f"{date_zh(self.policy.window_opens)}至{date_zh(self.policy.window_closes)}（北京时间，含当日）"
        if self.submitted_at is None:
            return [Check(MISSING, f"尚未提交；申报时间为{window}")]
        local = local_time(self.submitted_at, self.policy)
        shown = f"{date_zh(local.date())} {local:%H:%M:%S}"
        if local < self.policy.opens_at:
            return [Check(FAIL, f"提交时间 {shown}（北京时间）早于申报开始时间；申报时间为{window}")]
        if local >= self.policy.closes_before:
            return [Check(FAIL, f"提交时间 {shown}（北京时间）晚于申报截止时间；申报时间为{window}")]
        return [Check(PASS, f"提交时间 {shown}（北京时间）在申报时间{window}内")]

    # --- 建设内容: coverage through 环节 → domain ---------------------------------------------------
    def _covered_domains(self) -> dict[str, list[str]]:
        covered: dict[str, list[str]] = {}
        for scenario in self.app.get("scenarios", []):
            covered.setdefault(self.policy.domain_of_scenario(scenario["id"]), []).append(scenario["id"])
        return covered

    def coverage_summary(self) -> dict[str, Any]:
        covered = self._covered_domains()
        scenarios = self.app.get("scenarios", [])
        ai = sum(1 for s in scenarios if s.get("uses_ai"))
        return {
            "domains": {domain_id: sorted(ids) for domain_id, ids in covered.items()},
            "required_domains": list(self.tier["required_domains"]),
            "scenario_count": len(scenarios),
            "ai_scenario_count": ai,
            "ai_scenario_ratio": round(ai / len(scenarios) * 100, 2) if scenarios else None,
        }

    # --- 建设成效 (outcomes) of a tier ------------------------------------------------------------
    # Outcomes stated by official sources (grade A or B in the tier pack) are conditions of the tier; a
    # third-party transcription (C) or the project's own inference (D) is shown in the pack, never imposed.
    JUDGED_OUTCOME_GRADES = ("A", "B")

    def outcome_findings(self) -> list[Finding]:
        outcomes = [o for o in self.tier.get("outcomes", []) if o.get("grade") in self.JUDGED_OUTCOME_GRADES]
        if not outcomes:
            return []
        reported = [(kpi_id, r) for kpi_id, r in compute_all(self.policy.kpi_map, self.app.get("kpis")).items()
                    if r.value is not None]
        if not reported:
            checks = [Check(MISSING, f"尚未填报关键绩效指标，无法评估建设成效：{o['text']}") for o in outcomes]
        else:
            figures = "、".join(f"{kpi_id} {r.name} {r.value:g}{r.unit or ''}" for kpi_id, r in reported)
            checks = [Check(REVIEW, f"建设成效须由评审专家判断：{o['text']}（已填报指标：{figures}）")
                      for o in outcomes]
        return [Finding.from_checks(f"建设成效-{self.tier['name']}", "".join(o["text"] for o in outcomes),
                                    self.policy.tiers.ref, checks)]

    def coverage_checks(self) -> list[Check]:
        scenarios = self.app.get("scenarios")
        names = {d_id: d["name"] for d_id, d in self.policy.domain_map.items()}
        required = self.tier["required_domains"]
        if not scenarios:
            needed = "、".join(names[d] for d in required)
            return [Check(MISSING, f"尚未选择已建设的典型场景；{self.tier['name']}至少需覆盖{needed}环节")]
        covered = self._covered_domains()
        checks = []
        for domain_id in required:
            if domain_id in covered:
                via = "、".join(f"{sid} {self.policy.scenario_map[sid]['name']}"
                               f"（{self.policy.link_map[self.policy.scenario_map[sid]['link']]['name']}）"
                               for sid in covered[domain_id])
                checks.append(Check(PASS, f"覆盖{names[domain_id]}：{via}"))
            else:
                links = "、".join(link["name"] for link in self.policy.link_map.values()
                                  if link["domain"] == domain_id and link["in_seed"])
                checks.append(Check(FAIL, f"未覆盖{names[domain_id]}环节（{names[domain_id]}涵盖{links}），"
                                          f"{self.tier['name']}要求至少覆盖该环节"))
        undescribed = [s["id"] for s in scenarios if not (s.get("description") or "").strip()]
        if undescribed:
            checks.append(Check(MISSING, f"场景 {'、'.join(undescribed)} 尚未填写建设内容说明"))
        ratio_min = self.tier.get("ai_scenario_ratio_min")
        if ratio_min is not None:
            ratio = self.coverage_summary()["ai_scenario_ratio"]
            result = PASS if ratio is not None and ratio >= ratio_min else FAIL
            checks.append(Check(result, f"应用人工智能技术场景比例 {ratio:g}%，{self.tier['name']}要求不低于 {ratio_min:g}%"))
        return checks
