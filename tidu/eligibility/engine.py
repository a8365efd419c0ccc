"""The eligibility and tier engine (plain Python, no Django).

``evaluate(policy, document)`` judges one application against a call and a tier. It never stops at
the first failure: every clause the call declares (its conditions, 申报时间) and of the element conditions
(the tier's basic requirements, 建设内容-<tier>, 建设成效) comes back as a finding that says, in Chinese, exactly what passes,
fails, needs review or is still missing, next to the clause's own text.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tidu.eligibility import rules
from tidu.eligibility.findings import Finding, Outcome, Result, Verdict, worst
from tidu.eligibility.interchange import InterchangeError, checked, parse_submitted_at, validate
from tidu.eligibility.kpi import KpiResult, table
from tidu.policy.call_policy import CallPolicy

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING

LEVEL_LABELS = rules.LEVEL_LABELS
OUTCOMES = {PASS: Outcome.ELIGIBLE, FAIL: Outcome.INELIGIBLE, MISSING: Outcome.INCOMPLETE, REVIEW: Outcome.NEEDS_REVIEW}


def evaluate(policy: CallPolicy, document: Any, tier: str | None = None, *, trusted: bool = False) -> Verdict:
    """Judge ``document`` (interchange format) under ``policy``; ``tier`` overrides the document's tier.

    The JSON schema is checked where documents enter (the CLI, imports): ``trusted=True`` is for documents the
    project built itself from cleaned sections, which skip that check (the policy checks still run).
    """
    application, kpis_known, submitted_at = checked(document, policy, schema=not trusted)
    try:
        tier_def = _resolve_tier(policy, tier or application.get("tier"))
        return _Judgement(policy, application, tier_def, kpis_known, submitted_at).verdict()
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


# Rules whose checks depend on other clauses' findings (set during the judgement): run where they are declared.
UNSHARED_KINDS = frozenset({"requirements_met"})


class _Plan:
    """One call and tier as the engine runs them, derived once per policy object (its packs never change).

    Every distinct rule (kind and parameters) the clauses declare gets one slot: a 申报条件 that repeats the checks
    of the 基础要求 it mirrors (the same kind with the same parameters) shares that requirement's slot, so each
    shared check runs once per evaluation and both findings carry its checks.

    The plan also keeps what is the same for many applications (``rules.KEYS``): the checks of a rule that depends
    on one small value (a declaration: three possible results), per value, and the finding of a clause whose checks
    all came from there, per combination. Kept results are immutable (tuples of frozen checks, frozen findings)
    and never dropped while the plan lives: findings are looked up by the identity of the checks they are made of.
    """

    # 建设成效 (outcomes) of a tier: outcomes stated by official sources (grade A or B in the tier pack) are
    # conditions of the tier; a third-party transcription (C) or the project's own inference (D) is shown in the
    # pack, never imposed.
    JUDGED_OUTCOME_GRADES = ("A", "B")
    # Bounds on what is kept: a key's values are few in real applications; values beyond are judged every time.
    KEPT_PER_RULE = 64
    KEPT_FINDINGS = 4096

    def __init__(self, policy: CallPolicy, tier: dict[str, Any]):
        self.tier = tier
        self._policy = policy  # while the plan is built (params_in_effect reads the call's defaults)
        # Per slot: (function, params, key function or None, its kept checks: key → checks).
        self.rules: list[tuple[Any, dict[str, Any], Any, dict[Any, tuple[rules.Check, ...]]]] = []
        self.kept_findings: dict[tuple[int, ...], Finding] = {}  # (clause index, id of each check) → finding
        self._slots: dict[tuple[str, str], int] = {}
        self._clauses = 0
        call_ref, tiers_ref = policy.call.ref, policy.tiers.ref
        self.requirements = [self._numbered(d["clause"], d["text"], tiers_ref, self._clause(d))
                             for d in policy.requirement_declarations]
        self.coverage = self._numbered(tier["coverage_clause"], tier["coverage_text"], tiers_ref,
                                       (self._slot(rules.coverage, "coverage", {}),))
        outcomes = [o for o in tier.get("outcomes", []) if o.get("grade") in self.JUDGED_OUTCOME_GRADES]
        self.outcomes = [self._numbered(f"建设成效-{tier['name']}", "".join(o["text"] for o in outcomes), tiers_ref,
                                        tuple(self._slot(rules.outcome_judged, "outcome_judged", {"text": o["text"]})
                                              for o in outcomes))] if outcomes else []
        self.conditions = [self._numbered(d["clause"], d["text"], call_ref, self._clause(d))
                           for d in policy.condition_declarations]
        self.conditions += [self._numbered(r["clause"], r.get("text", ""), call_ref, self._clause({"rule": r}))
                            for r in policy.call_rules if r["kind"] in rules.RULES and r.get("clause")]
        self.versions = policy.versions
        self.timing = self._numbered("申报时间", policy.call.content["window"]["text"], call_ref,
                                     (self._slot(rules.submission_window, "submission_window", {}),))
        del self._policy

    def _numbered(self, clause: str, text: str, source: str, slots: tuple[int, ...]):
        """A clause as the judgement reads it: (its index in the plan, clause, text, source, slots)."""
        self._clauses += 1
        return (self._clauses - 1, clause, text, source, slots)

    def _clause(self, declaration: dict[str, Any]) -> tuple[int, ...]:
        """The slots of one declared clause: its ``rule`` then its ``also`` rules, in order (as ``rules.run``)."""
        declared = [declaration["rule"], *declaration.get("also", [])] if declaration.get("rule") else []
        if not declared:
            return (self._slot(rules.not_judged, "not_judged", {}),)
        return tuple(self._slot(rules.RULES[rule["kind"]], rule["kind"], rule.get("params") or {}) for rule in declared)

    def _slot(self, function, kind: str, params: dict[str, Any]) -> int:
        key = None if kind in UNSHARED_KINDS else (kind, json.dumps(rules.params_in_effect(kind, params, self._policy),
                                                                    sort_keys=True, ensure_ascii=False, default=repr))
        if key is not None and key in self._slots:
            return self._slots[key]
        self.rules.append((function, params, rules.KEYS.get(kind), {}))
        if key is not None:
            self._slots[key] = len(self.rules) - 1
        return len(self.rules) - 1

    @classmethod
    def of(cls, policy: CallPolicy, tier: dict[str, Any]) -> _Plan:
        key = ("engine-plan", tier["id"])
        plan = policy.compiled.get(key)
        if plan is None or plan.tier is not tier:
            plan = policy.compiled[key] = cls(policy, tier)
        return plan


class _Judgement:
    """Evaluates one application: every clause the call and the tier declare, through the rule library."""

    def __init__(self, policy: CallPolicy, app: dict[str, Any], tier: dict[str, Any],
                 kpis_known: dict[str, KpiResult] | None = None, submitted_at: dt.datetime | None = None):
        """``submitted_at``: the document's submission time as the document check parsed it, if it did."""
        self.policy = policy
        self.app = app
        self.tier = tier
        if submitted_at is None and "submitted_at" in app:  # not parsed by the check (not text): fails as before
            submitted_at = parse_submitted_at(app["submitted_at"])
        self.ctx = rules.Context(policy=policy, app=app, tier=tier, submitted_at=submitted_at,
                                 kpis_known=kpis_known or {}, memo={})
        self.plan = _Plan.of(policy, tier)
        # Per slot, its checks in this evaluation: a tuple when kept by the plan, a list when this application's own.
        self._results: list[Any] = [None] * len(self.plan.rules)
        # Findings of this evaluation made of this application's own checks, by their slots: a 申报条件 made of the
        # same rules as a 基础要求 takes that finding's checks, result and message (worded once).
        self._bodies: dict[tuple[int, ...], Finding] = {}

    def _run(self, slot: int, key: Any) -> tuple[rules.Check, ...] | list[rules.Check]:
        """A slot's checks when the plan does not have them for ``key`` (this application's value of what the rule
        depends on, or UNCACHED): run, and kept when the rule's checks depend only on that value."""
        function, params, _, kept = self.plan.rules[slot]
        if key is not rules.UNCACHED:
            if len(kept) < self.plan.KEPT_PER_RULE:
                found = kept[key] = tuple(function(self.ctx, params))
                return found
        found = function(self.ctx, params)
        return found if found.__class__ is list else list(found)  # a list: not kept (see finding())

    def finding(self, index: int, clause: str, text: str, source: str, slots: tuple[int, ...]) -> Finding:
        """One clause's finding from its rules' checks, each rule run at most once per evaluation; the plan's own
        finding when every check it is made of is kept by the plan."""
        twin = self._bodies.get(slots)
        if twin is not None:
            return Finding(clause, twin.result, twin.message, text, source, twin.checks, twin.msg)
        results, plan_rules = self._results, self.plan.rules
        checks: list[rules.Check] = []
        kept = True
        for slot in slots:
            found = results[slot]
            if found is None:  # not run yet in this evaluation: the plan's checks for this value, else run
                _, params, key_of, kept_checks = plan_rules[slot]
                key = rules.UNCACHED if key_of is None else key_of(self.ctx, params)
                found = kept_checks.get(key)
                if found is None:
                    found = self._run(slot, key)
                results[slot] = found
            if found and found.__class__ is list:
                kept = False
            checks += found
        if not kept:  # (``checks`` is a new list: the slots' own lists stay unshared)
            finding = self._bodies[slots] = Finding.from_checks(clause, text, source, checks)
            return finding
        key = (index, *map(id, checks))
        kept_findings = self.plan.kept_findings
        finding = kept_findings.get(key)
        if finding is None:
            finding = Finding.from_checks(clause, text, source, checks)
            if len(kept_findings) < self.plan.KEPT_FINDINGS:
                kept_findings[key] = finding.keep()
        return finding

    def verdict(self) -> Verdict:
        policy, ctx, plan, finding = self.policy, self.ctx, self.plan, self.finding
        requirement_findings = [finding(*clause) for clause in plan.requirements]
        coverage_finding = finding(*plan.coverage)
        tier_findings = [coverage_finding, *(finding(*clause) for clause in plan.outcomes)]
        ctx.findings = {"basic_requirements": requirement_findings, "construction_content": [coverage_finding]}

        condition_findings = [finding(*clause) for clause in plan.conditions]
        timing = finding(*plan.timing)

        findings = (*condition_findings, timing, *requirement_findings, *tier_findings)
        results = [f.result for f in findings]
        call_result = worst(results[:len(condition_findings) + 1])
        # A tier is met only when every element condition is: 建设成效 included, which only reviewers can
        # judge, so a tier with judged outcomes is never met by the engine alone.
        tier_result = worst(results[len(condition_findings) + 1:])
        outcome = OUTCOMES[worst((call_result, tier_result))]
        kpis = table(policy.kpi_map, self.app.get("kpis"), ctx.kpi_results)
        return Verdict(eligible=call_result == PASS, tier_met=tier_result == PASS, outcome=outcome, tier=self.tier["id"],
                       tier_name=self.tier["name"], call=policy.code,
                       policy_versions=dict(plan.versions), findings=findings, kpis=kpis,
                       coverage=self.coverage_summary())

    def coverage_summary(self) -> dict[str, Any]:
        covered = rules.covered_domains(self.ctx)
        scenarios = self.app.get("scenarios", [])
        return {
            "domains": {domain_id: sorted(ids) for domain_id, ids in covered.items()},
            "required_domains": list(self.tier["required_domains"]),
            "scenario_count": len(scenarios),
            "ai_scenario_count": rules.ai_count(self.ctx),
            "ai_scenario_ratio": rules.ai_ratio(self.ctx),
        }
