"""The eligibility and tier engine (plain Python, no Django).

``evaluate(policy, document)`` judges one application against a call and a tier. It never stops at
the first failure: every clause the call declares (its conditions, 申报时间) and of the element conditions
(the tier's basic requirements, 建设内容-<tier>, 建设成效) comes back as a finding that says, in Chinese, exactly what passes,
fails, needs review or is still missing, next to the clause's own text.
"""

from __future__ import annotations

from typing import Any

from tidu.eligibility import rules
from tidu.eligibility.findings import Finding, Outcome, Result, Verdict, worst
from tidu.eligibility.interchange import InterchangeError, parse_submitted_at, validate
from tidu.eligibility.kpi import compute_all
from tidu.policy.call_policy import CallPolicy

PASS, FAIL, REVIEW, MISSING = Result.PASS, Result.FAIL, Result.REVIEW, Result.MISSING

LEVEL_LABELS = rules.LEVEL_LABELS


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
    """Evaluates one application: every clause the call and the tier declare, through the rule library."""

    def __init__(self, policy: CallPolicy, app: dict[str, Any], tier: dict[str, Any]):
        self.policy = policy
        self.app = app
        self.tier = tier
        submitted_at = parse_submitted_at(app["submitted_at"]) if "submitted_at" in app else None
        self.ctx = rules.Context(policy=policy, app=app, tier=tier, submitted_at=submitted_at)

    def verdict(self) -> Verdict:
        policy, ctx = self.policy, self.ctx
        requirement_findings = [Finding.from_checks(d["clause"], d["text"], policy.tiers.ref, rules.run(ctx, d))
                                for d in policy.requirement_declarations]
        coverage_finding = Finding.from_checks(self.tier["coverage_clause"], self.tier["coverage_text"],
                                               policy.tiers.ref, rules.coverage(ctx, {}))
        tier_findings = [coverage_finding, *self.outcome_findings()]
        ctx.findings = {"basic_requirements": requirement_findings, "construction_content": [coverage_finding]}

        condition_findings = [Finding.from_checks(d["clause"], d["text"], policy.call.ref, rules.run(ctx, d))
                              for d in policy.condition_declarations]
        condition_findings += [Finding.from_checks(r["clause"], r.get("text", ""), policy.call.ref, rules.run(ctx, {"rule": r}))
                               for r in policy.call_rules if r["kind"] in rules.RULES and r.get("clause")]
        timing = Finding.from_checks("申报时间", policy.call.content["window"]["text"], policy.call.ref,
                                     rules.submission_window(ctx, {}))

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
                for kpi_id, r in compute_all(policy.kpi_map, self.app.get("kpis")).items()}
        return Verdict(eligible=eligible, tier_met=tier_met, outcome=outcome, tier=self.tier["id"],
                       tier_name=self.tier["name"], call=policy.code,
                       policy_versions=policy.versions, findings=findings, kpis=kpis,
                       coverage=self.coverage_summary())

    def coverage_summary(self) -> dict[str, Any]:
        covered = rules.covered_domains(self.ctx)
        scenarios = self.app.get("scenarios", [])
        return {
            "domains": {domain_id: sorted(ids) for domain_id, ids in covered.items()},
            "required_domains": list(self.tier["required_domains"]),
            "scenario_count": len(scenarios),
            "ai_scenario_count": sum(1 for s in scenarios if s.get("uses_ai")),
            "ai_scenario_ratio": rules.ai_ratio(self.ctx),
        }

    # --- 建设成效 (outcomes) of a tier ------------------------------------------------------------
    # Outcomes stated by official sources (grade A or B in the tier pack) are conditions of the tier; a
    # third-party transcription (C) or the project's own inference (D) is shown in the pack, never imposed.
    JUDGED_OUTCOME_GRADES = ("A", "B")

    def outcome_findings(self) -> list[Finding]:
        outcomes = [o for o in self.tier.get("outcomes", []) if o.get("grade") in self.JUDGED_OUTCOME_GRADES]
        if not outcomes:
            return []
        checks = [check for o in outcomes for check in rules.outcome_judged(self.ctx, {"text": o["text"]})]
        return [Finding.from_checks(f"建设成效-{self.tier['name']}", "".join(o["text"] for o in outcomes),
                                    self.policy.tiers.ref, checks)]
