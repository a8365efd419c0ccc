"""Tier readiness (plain Python, no Django): every tier of the packs judged by the same engine, the 环节
coverage of the five construction domains and the gap list to the next tier.

``diagnose(policy, document)`` runs ``tidu.eligibility.engine.evaluate`` once per tier of the tiers pack
(基础级 … 领航级) on the enterprise's interchange document and keeps the element conditions (基础要求1–5,
建设内容-<等级>, 建设成效-<等级>): the call's own conditions (申报条件, 申报时间) are not readiness. Every
threshold it shows (covered domains, maturity level, AI-scenario ratio, scopes, outcomes) is read from the
packs with its source ids and grade; nothing here states a number of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Result
from tidu.policy.call_policy import CallPolicy

ELEMENT_PREFIXES = ("基础要求", "建设内容-", "建设成效-")

# The status of a tier as a whole, from its element conditions.
MET = "met"                # every element condition 符合
REVIEW = "review"          # none 不符合 or 待填写: what is left is for reviewers (建设成效 …)
MISSING = "missing"        # some condition still 待填写, none 不符合
NOT_MET = "not_met"        # at least one condition 不符合
# Stored results keep these keys only; the words (tidu.readiness.presentation.labelled) are put in at display,
# in the reader's language.
STATUS_LABELS = {MET: "已达到", REVIEW: "条件具备，待评审确认", MISSING: "信息不全", NOT_MET: "尚未达到"}
REACHED = (MET, REVIEW)    # a tier counts as reached when nothing but reviewers' judgement is left


@dataclass
class Element:
    clause: str
    result: str
    message: str
    clause_text: str
    sources: list[dict[str, str]]
    grade: str
    msg: list[Any] | None = None  # the message's source sentences (tidu.core.sentences), shown in the reader's language

    def as_dict(self) -> dict[str, Any]:
        data = {"clause": self.clause, "result": self.result,
                "message": self.message, "clause_text": self.clause_text, "sources": self.sources,
                "grade": self.grade}
        if self.msg:
            data["msg"] = self.msg
        return data


@dataclass
class TierReadiness:
    id: str
    name: str
    rank: int
    status: str
    elements: list[Element]

    @property
    def reached(self) -> bool:
        return self.status in REACHED

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "rank": self.rank, "status": self.status,
                "elements": [e.as_dict() for e in self.elements]}


@dataclass
class Readiness:
    tiers: list[TierReadiness]
    coverage: dict[str, Any]
    gaps: dict[str, Any] | None
    current: TierReadiness | None
    next: TierReadiness | None
    policy_versions: dict[str, str] = field(default_factory=dict)

    @property
    def current_rank(self) -> int:
        return self.current.rank if self.current else 0

    @property
    def domains_short(self) -> int | None:
        """How many construction domains the next tier still needs (None when every tier is reached)."""
        return len(self.gaps["domains"]) if self.gaps is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {"tiers": [t.as_dict() for t in self.tiers], "coverage": self.coverage, "gaps": self.gaps,
                "current": self.current.id if self.current else "", "next": self.next.id if self.next else "",
                "current_rank": self.current_rank, "domains_short": self.domains_short,
                "policy_versions": self.policy_versions}


# --- sources ---------------------------------------------------------------------------------------------------

def _sources(policy: CallPolicy, ids) -> list[dict[str, str]]:
    index = {s["id"]: s for s in policy.tiers.sources}
    return [{"id": sid, "title": index.get(sid, {}).get("title", ""), "grade": index.get(sid, {}).get("grade", "")}
            for sid in ids or ()]


def _cite(policy: CallPolicy, item: dict[str, Any]) -> dict[str, Any]:
    return {"sources": _sources(policy, item.get("source")), "grade": item.get("grade", "")}


def _basic_requirement(policy: CallPolicy, clause: str) -> dict[str, Any]:
    return next((c for c in policy.tiers.content["basic_requirements"] if c["clause"] == clause), {})


def _element_citation(policy: CallPolicy, tier: dict[str, Any], clause: str) -> dict[str, Any]:
    if clause == "基础要求5":  # the level itself is the tier's (基础要求5 names only the tiers it sets)
        citation = _maturity_citation(policy, tier)
        return {"sources": citation["sources"], "grade": citation["grade"]}
    if clause.startswith("基础要求"):
        return _cite(policy, _basic_requirement(policy, clause))
    if clause.startswith("建设成效-"):
        judged = [o for o in tier.get("outcomes", []) if o.get("grade") in ("A", "B")]
        ids = list(dict.fromkeys(sid for o in judged for sid in o.get("source", [])))
        grades = sorted({o["grade"] for o in judged})
        return {"sources": _sources(policy, ids), "grade": grades[-1] if grades else tier.get("grade", "")}
    return _cite(policy, tier)


# --- judging ---------------------------------------------------------------------------------------------------

def _status(results: list[str]) -> str:
    if Result.FAIL in results:
        return NOT_MET
    if Result.MISSING in results:
        return MISSING
    if Result.REVIEW in results:
        return REVIEW
    return MET


def judge_tier(policy: CallPolicy, document: dict[str, Any], tier: dict[str, Any]) -> TierReadiness:
    verdict = evaluate(policy, {**document, "tier": tier["id"]}, tier["id"], trusted=True)
    elements = []
    for finding in verdict.findings:
        if not finding.clause.startswith(ELEMENT_PREFIXES):
            continue
        citation = _element_citation(policy, tier, finding.clause)
        elements.append(Element(clause=finding.clause, result=str(finding.result), message=finding.message,
                                msg=finding.msg,
                                clause_text=finding.clause_text, sources=citation["sources"],
                                grade=citation["grade"]))
    return TierReadiness(id=tier["id"], name=tier["name"], rank=tier["rank"],
                         status=_status([e.result for e in elements]), elements=elements)


def coverage(policy: CallPolicy, document: dict[str, Any]) -> dict[str, Any]:
    """环节 coverage per construction domain (the radar), from the recorded scenarios."""
    scenarios = [s for s in document.get("scenarios", []) if s.get("id") in policy.scenario_map]
    covered_links = {policy.scenario_map[s["id"]]["link"] for s in scenarios}
    domains = []
    for domain in policy.domain_map.values():
        links = [link for link in policy.link_map.values() if link["domain"] == domain["id"] and link["in_seed"]]
        hit = [link for link in links if link["id"] in covered_links]
        domains.append({"id": domain["id"], "name": domain["name"], "links_total": len(links),
                        "links_covered": len(hit), "covered_link_names": [link["name"] for link in hit],
                        "ratio": round(len(hit) / len(links), 4) if links else 0.0,
                        "covered": any(policy.domain_of_scenario(s["id"]) == domain["id"] for s in scenarios)})
    ai = sum(1 for s in scenarios if s.get("uses_ai"))
    return {"domains": domains, "scenario_count": len(scenarios), "ai_scenario_count": ai,
            "ai_scenario_ratio": round(ai / len(scenarios) * 100, 2) if scenarios else None,
            "scenario_ids": sorted(s["id"] for s in scenarios),
            "maturity_level": (document.get("maturity") or {}).get("level"), "scope": document.get("scope")}


def _ratio_citation(policy: CallPolicy, tier: dict[str, Any], ratio_min: float) -> dict[str, Any]:
    """The outcome of the tier that states the AI-scenario ratio (its own source and grade), else the tier's."""
    wanted = f"{ratio_min:g}%"
    stated = next((o for o in tier.get("outcomes", []) if wanted in o.get("text", "")), None)
    return {**_cite(policy, stated or tier), "text": stated["text"] if stated else tier.get("coverage_text", "")}


def _maturity_citation(policy: CallPolicy, tier: dict[str, Any]) -> dict[str, Any]:
    """基础要求5 states the level for the tiers it names (基础级、先进级); the others carry it on the tier."""
    requirement = _basic_requirement(policy, "基础要求5")
    if tier["name"] in requirement.get("text", ""):
        return {**_cite(policy, requirement), "clause": "基础要求5"}
    return {**_cite(policy, tier), "clause": tier["coverage_clause"]}


def gaps_to(policy: CallPolicy, document: dict[str, Any], tier: dict[str, Any], judged: TierReadiness,
            cover: dict[str, Any]) -> dict[str, Any]:
    """What stands between the recorded state and ``tier``: every item with its pack source and grade."""
    covered = {d["id"] for d in cover["domains"] if d["covered"]}
    tier_cite = _cite(policy, tier)
    domains = []
    for domain_id in tier["required_domains"]:
        if domain_id in covered:
            continue
        domain = policy.domain_map[domain_id]
        links = []
        for link in policy.link_map.values():
            if link["domain"] != domain_id or not link["in_seed"]:
                continue
            links.append({"id": link["id"], "name": link["name"],
                          "scenarios": [{"id": s["id"], "number": s["number"], "name": s["name"],
                                         "gist": s.get("gist", "")}
                                        for s in policy.scenario_map.values() if s["link"] == link["id"]]})
        domains.append({"id": domain_id, "name": domain["name"], "links": links,
                        "clause": tier["coverage_clause"], **tier_cite})
    maturity = None
    level = cover["maturity_level"]
    minimum = tier["maturity_min_level"]
    if level is None or level < minimum:
        maturity = {"current": level, "required": minimum,
                    "standard": policy.maturity.content["standard"]["code"], **_maturity_citation(policy, tier)}
    ai = None
    ratio_min = tier.get("ai_scenario_ratio_min")
    if ratio_min is not None:
        ratio = cover["ai_scenario_ratio"]
        if ratio is None or ratio < ratio_min:
            total = cover["scenario_count"]
            needed = max(math.ceil(total * ratio_min / 100 - 1e-9) - cover["ai_scenario_count"], 0) if total else None
            ai = {"current": ratio, "required": ratio_min, "scenario_count": total,
                  "ai_scenario_count": cover["ai_scenario_count"], "more_ai_scenarios": needed,
                  **_ratio_citation(policy, tier, ratio_min)}
    scope = None
    if cover["scope"] not in tier["allowed_scopes"]:
        scope = {"current": cover["scope"] or "", "allowed": list(tier["allowed_scopes"]), **tier_cite}
    outcomes = [{"text": o["text"], "judged": o.get("grade") in ("A", "B"), **_cite(policy, o)}
                for o in tier.get("outcomes", [])]
    # Other element conditions not yet met (基础要求, scenario descriptions …), as the engine words them.
    others = [e.as_dict() for e in judged.elements
              if e.result in (Result.FAIL, Result.MISSING) and not e.clause.startswith("建设成效-")]
    return {"tier": tier["id"], "tier_name": tier["name"], "domains": domains, "maturity": maturity,
            "ai_ratio": ai, "scope": scope, "outcomes": outcomes, "conditions": others}


def diagnose(policy: CallPolicy, document: dict[str, Any]) -> Readiness:
    tiers = sorted(policy.tier_map.values(), key=lambda t: t["rank"])
    judged = [judge_tier(policy, document, tier) for tier in tiers]
    cover = coverage(policy, document)
    current = None
    for result in judged:  # tiers build on each other: the current tier is the last of an unbroken run
        if not result.reached:
            break
        current = result
    upcoming = next((r for r in judged if r.rank > (current.rank if current else 0)), None)
    gaps = None
    if upcoming is not None:
        gaps = gaps_to(policy, document, policy.tier_map[upcoming.id], upcoming, cover)
    return Readiness(tiers=judged, coverage=cover, gaps=gaps, current=current, next=upcoming,
                     policy_versions=dict(policy.versions))


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """What changed between two stored readiness results (``Readiness.as_dict``), as keys: ``what`` is a tier's
    name or a coverage key, ``before``/``after`` a tier status key or a figure (worded by ``presentation.changes``)."""
    changes = []
    old_tiers = {t["id"]: t for t in before.get("tiers", [])}
    for tier in after.get("tiers", []):
        old = old_tiers.get(tier["id"])
        if old and old["status"] != tier["status"]:
            changes.append({"kind": "tier", "what": tier["name"], "before": old["status"], "after": tier["status"]})
    old_domains = {d["id"]: d for d in before.get("coverage", {}).get("domains", [])}
    for domain in after.get("coverage", {}).get("domains", []):
        old = old_domains.get(domain["id"])
        if old and old["links_covered"] != domain["links_covered"]:
            changes.append({"kind": "domain", "what": domain["name"],
                            "before": f"{old['links_covered']}/{old['links_total']}",
                            "after": f"{domain['links_covered']}/{domain['links_total']}"})
    for key in ("ai_scenario_ratio", "scenario_count", "maturity_level"):
        old, new = before.get("coverage", {}).get(key), after.get("coverage", {}).get(key)
        if old != new:
            changes.append({"kind": key, "what": key, "before": "—" if old is None else f"{old:g}",
                            "after": "—" if new is None else f"{new:g}"})
    added = sorted(set(after.get("coverage", {}).get("scenario_ids", []))
                   - set(before.get("coverage", {}).get("scenario_ids", [])))
    if added:
        changes.append({"kind": "scenarios", "what": "scenarios", "before": "", "after": "、".join(added)})
    return changes
