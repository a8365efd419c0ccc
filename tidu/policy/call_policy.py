"""One call resolved with the pack versions it pins: what the engine and the pages read (no Django)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tidu.policy.loader import DEFAULT_PACKS_DIR, Pack, PackError, PackLibrary, content_hash

# What the seed's clauses mean, for packs published before they declared it themselves (data, frozen).
SEED_DECLARATIONS = Path(__file__).resolve().parent / "declarations" / "seed-2026.yaml"
DECLARATION_KEYS = ("rule", "also", "reads", "evidence", "uploads", "formal_review", "onsite", "dossier")


@cache
def seed_declarations() -> dict[str, Any]:
    return yaml.safe_load(SEED_DECLARATIONS.read_text(encoding="utf-8"))


def _declaration(item: dict[str, Any], fallback: dict[str, Any]) -> dict[str, Any]:
    """One clause with its declaration: the pack's own when it declares a rule, else the frozen seed meaning."""
    declared = item if item.get("rule") else {**fallback.get(item["clause"], {}), **item}
    out = {"clause": item["clause"], "text": item["text"]}
    for key in DECLARATION_KEYS:
        out[key] = declared.get(key, [] if key not in ("rule", "evidence") else None)
    return out


@dataclass(frozen=True)
class CallPolicy:
    call: Pack
    taxonomy: Pack
    tiers: Pack
    kpis: Pack
    maturity: Pack

    @classmethod
    def resolve(cls, library: PackLibrary, call_id: str, version: str | None = None) -> CallPolicy:
        call = library.get(call_id, version) if version else library.latest(call_id)
        if call.kind != "call":
            raise PackError(call.path, "pack.kind", f"{call.ref} 不是申报批次（call）策略包")
        pinned = {}
        for kind, pin in call.content["packs"].items():
            try:
                pack = library.get(pin["id"], pin["version"])
            except PackError:
                raise PackError(call.path, f"content.packs.{kind}",
                                f"锁定的策略包 {pin['id']}@{pin['version']} 不存在") from None
            if pack.kind != kind:
                raise PackError(call.path, f"content.packs.{kind}", f"{pack.ref} 的类型是 {pack.kind}，不是 {kind}")
            pinned[kind] = pack
        policy = cls(call=call, **pinned)
        policy._check_cross_pack_references()
        return policy

    def _check_cross_pack_references(self) -> None:
        tier_ids = set(self.tier_map)
        if self.call.content["tier"] not in tier_ids:
            raise PackError(self.call.path, "content.tier", f"批次等级 {self.call.content['tier']!r} 不在等级策略包中")
        domains = set(self.domain_map)
        for tier in self.tier_map.values():
            for domain in tier["required_domains"] + [c["domain"] for c in tier["construction_content"]]:
                if domain not in domains:
                    raise PackError(self.tiers.path, f"content.tiers.{tier['id']}",
                                    f"引用了分类策略包中不存在的建设领域 {domain!r}")

    # --- identity -------------------------------------------------------------------------------
    @property
    def code(self) -> str:
        return self.call.content["code"]

    @property
    def versions(self) -> dict[str, str]:
        """Every pack this call's verdicts rest on, as kind -> id@version."""
        return {"call": self.call.ref, "taxonomy": self.taxonomy.ref, "tiers": self.tiers.ref,
                "kpis": self.kpis.ref, "maturity": self.maturity.ref}

    @cached_property
    def sha256(self) -> str:
        return content_hash({kind: getattr(self, kind).sha256 for kind in self.versions})

    # --- dates ----------------------------------------------------------------------------------
    # The packs never change once loaded (published versions are immutable): what every evaluation reads is
    # computed once per policy object (cached_property) instead of parsed again on each read.
    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.call.content["timezone"])

    @cached_property
    def window_opens(self) -> dt.date:
        return dt.date.fromisoformat(self.call.content["window"]["opens"])

    @cached_property
    def window_closes(self) -> dt.date:
        return dt.date.fromisoformat(self.call.content["window"]["closes"])

    @property
    def township_deadline(self) -> dt.date:
        return dt.date.fromisoformat(self.call.content["township_deadline"]["date"])

    @property
    def revision_working_days(self) -> int | None:
        """The default 补正期限 (working days after a 退回补正) if the call pack states one; None: none stated,
        the official enters the date (no source for the 2026 call gives a number)."""
        return (self.call.content.get("revision") or {}).get("working_days")

    def start_of_day(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.timezone)

    def end_of_day_exclusive(self, day: dt.date) -> dt.datetime:
        """The first instant after ``day`` in the call's timezone: deadlines are inclusive of the whole day."""
        return self.start_of_day(day + dt.timedelta(days=1))

    @cached_property
    def opens_at(self) -> dt.datetime:
        return self.start_of_day(self.window_opens)

    @cached_property
    def closes_before(self) -> dt.datetime:
        return self.end_of_day_exclusive(self.window_closes)

    def is_open_at(self, moment: dt.datetime) -> bool:
        return self.opens_at <= moment < self.closes_before

    @cached_property
    def lookback_start(self) -> dt.date:  # read by every dated check of every evaluation; the policy is immutable
        """First day counted in 近三年: the same calendar day ``lookback_years`` before the window opens."""
        years = self.call.content["lookback_years"]
        opens = self.window_opens
        try:
            return opens.replace(year=opens.year - years)
        except ValueError:  # 29 February
            return opens.replace(year=opens.year - years, day=28)

    # --- texts and catalogues -------------------------------------------------------------------
    @cached_property
    def conditions(self) -> dict[str, str]:
        return {c["clause"]: c["text"] for c in self.call.content["conditions"]}

    @property
    def declares_clauses(self) -> bool:
        """True when the call pack declares what its conditions mean (2026.4 on); older packs read the seed file."""
        return any(c.get("rule") for c in self.call.content["conditions"])

    @cached_property
    def condition_declarations(self) -> list[dict[str, Any]]:
        """Every 申报条件 of the call with its rule, the fields it reads, its evidence, checklist items and
        dossier wording (keys: clause, text, rule, also, reads, evidence, uploads, formal_review, onsite, dossier)."""
        fallback = {} if self.declares_clauses else seed_declarations()["conditions"]
        return [_declaration(c, fallback) for c in self.call.content["conditions"]]

    @cached_property
    def requirement_declarations(self) -> list[dict[str, Any]]:
        """The tier pack's 基础要求 with their rules (the seed file's when the tiers pack declares none)."""
        fallback = seed_declarations()["requirements"]
        return [_declaration(c, fallback) for c in self.tiers.content["basic_requirements"]]

    @property
    def call_rules(self) -> list[dict[str, Any]]:
        """Rules of the call as a whole (recommendation_quota, prerequisite_tier), as declared."""
        return list(self.call.content.get("call_rules", []))

    def call_rule(self, kind: str) -> dict[str, Any] | None:
        return next((r for r in self.call_rules if r["kind"] == kind), None)

    @property
    def recommendation_quota(self) -> int | None:
        """How many applications one unit may recommend, when the call states a quota (None: no limit stated)."""
        rule = self.call_rule("recommendation_quota")
        return int(rule["params"]["per_unit"]) if rule else None

    @cached_property
    def reads(self) -> set[str]:
        """Every section field (section.field) a declared clause of the call or of the tier reads."""
        return {path for d in (*self.condition_declarations, *self.requirement_declarations) for path in d["reads"]}

    @cached_property
    def basic_requirements(self) -> dict[str, str]:
        return {c["clause"]: c["text"] for c in self.tiers.content["basic_requirements"]}

    @cached_property
    def tier_map(self) -> dict[str, dict[str, Any]]:
        return {tier["id"]: tier for tier in self.tiers.content["tiers"]}

    @property
    def call_tier(self) -> dict[str, Any]:
        return self.tier_map[self.call.content["tier"]]

    def find_tier(self, id_or_name: str) -> dict[str, Any] | None:
        try:
            return self._tier_names.get(id_or_name)
        except TypeError:  # not a name at all (unhashable)
            return None

    @cached_property
    def _tier_names(self) -> dict[Any, dict[str, Any]]:
        """id, name and English name → tier; the first tier naming it wins (as a search in order would)."""
        names: dict[Any, dict[str, Any]] = {}
        for tier in self.tier_map.values():
            for name in (tier["id"], tier["name"], tier["name_en"]):
                names.setdefault(name, tier)
        return names

    @cached_property
    def domain_map(self) -> dict[str, dict[str, Any]]:
        return {d["id"]: d for d in sorted(self.taxonomy.content["domains"], key=lambda d: d["order"])}

    @cached_property
    def link_map(self) -> dict[str, dict[str, Any]]:
        return {link["id"]: link for link in self.taxonomy.content["links"]}

    @cached_property
    def scenario_map(self) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for s in sorted(self.taxonomy.content["scenarios"], key=lambda s: s["number"])}

    def domain_of_scenario(self, scenario_id: str) -> str:
        return self.link_map[self.scenario_map[scenario_id]["link"]]["domain"]

    @cached_property
    def kpi_map(self) -> dict[str, dict[str, Any]]:
        return {k["id"]: k for k in sorted(self.kpis.content["kpis"], key=lambda k: k["number"])}

    @cached_property
    def kpi_categories(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.kpis.content["categories"]}

    @cached_property
    def maturity_levels(self) -> dict[int, dict[str, Any]]:
        return {level["level"]: level for level in self.maturity.content["levels"]}

    @cached_property
    def revenue_min_10k_yuan(self) -> float:
        return float(self.call.content["above_designated_size"]["revenue_min_10k_yuan"])

    @property
    def branch_industries(self) -> list[dict[str, str]]:
        return self.call.content["branch_industries"]["industries"]

    # 智能工厂 calls are for manufacturing: GB/T 4754-2017 门类 C 制造业 (S63). A call pack may state its own list
    # under ``admitted_industries`` (codes and names); the branch-industry exceptions it lists are always added.
    MANUFACTURING = {"code": "C", "name": "制造业", "basis": "智能工厂为制造业工厂（GB/T 4754-2017 门类 C）"}

    @property
    def admitted_industries(self) -> list[dict[str, str]]:
        """Industry codes (门类 letter, 大类 or finer) an enterprise of this call may belong to, each with its basis."""
        stated = self.call.content.get("admitted_industries")
        admitted = [dict(item) for item in stated] if stated else [dict(self.MANUFACTURING)]
        text = self.call.content["branch_industries"]["text"]
        for industry in self.branch_industries:
            if not any(industry["code"].startswith(item["code"]) for item in admitted):
                admitted.append({"code": industry["code"], "name": industry["name"], "basis": text})
        return admitted

    def admits_industry(self, code: str) -> bool:
        return any(code.startswith(item["code"]) for item in self.admitted_industries)

    @cached_property
    def evidence_requirements(self) -> dict[str, dict[str, Any]]:
        """Evidence slot (topic) → {"required": bool, "basis": text}, as the call pack states (in each clause's
        declaration from 2026.4 on, in content.evidence before); {} when it states none."""
        if self.declares_clauses:
            out = {}
            for d in self.condition_declarations:
                for item in ([d["evidence"]] if d["evidence"] else []) + list(d["uploads"]):
                    out[item["topic"]] = {"required": item["required"], "basis": item.get("basis", "")}
            return out
        items = (self.call.content.get("evidence") or {}).get("items", [])
        return {item["topic"]: {"required": item["required"], "basis": item["basis"]} for item in items}

    @cached_property
    def evidence_slots(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Section key → the evidence slots (topic, label) the call's clauses declare in it: each clause's own
        topic in 申报条件, and its ``uploads`` (e.g. the 自评估报告 in 成熟度自评估)."""
        slots: dict[str, list[tuple[str, str]]] = {"conditions": []}
        for d in self.condition_declarations:
            if d["evidence"]:
                slots["conditions"].append((d["evidence"]["topic"], d["evidence"].get("label", d["evidence"]["topic"])))
            else:
                slots["conditions"].append((d["clause"], d["clause"]))
            for upload in d["uploads"]:
                slots.setdefault(upload["section"], []).append((upload["topic"], upload["label"]))
        return {key: tuple(value) for key, value in slots.items()}

    @property
    def legacy_required_evidence(self) -> set[str]:
        return set(seed_declarations()["required_evidence"])

    @property
    def region_division_code(self) -> str:
        """The call's 行政区划代码 (6 digits), as stated in the pack ("" when its sources give none)."""
        return str(self.call.content["region"].get("division_code", ""))

    @property
    def region_aliases(self) -> list[str]:
        return list(self._region_aliases)

    @cached_property
    def _region_aliases(self) -> tuple[str, ...]:
        region = self.call.content["region"]
        return (region["city"], region["province"] + region["city"], *region["aliases"])

    def covers_region(self, registered_region: str, extra_aliases=()) -> bool:
        """Whether an enterprise registered at ``registered_region`` is inside this call's region: the text starts
        with one of the region's spellings (spaces ignored). The engine's 注册地 clause and the calls offered to
        an enterprise both ask here."""
        place = (registered_region or "").replace(" ", "")
        return bool(place) and any(place.startswith(alias) for alias in (*self._region_aliases, *extra_aliases))

    @cached_property
    def region_name(self) -> str:
        region = self.call.content["region"]
        return region["province"] + region["city"]

    @cached_property
    def compiled(self) -> dict[Any, Any]:
        """What the engine derives from this policy once per process (its clause plans per tier, KPI plan): filled
        by ``tidu.eligibility``; valid as long as the policy object lives, since its packs never change."""
        return {}


def load_call_policy(call_id: str, version: str | None = None, directory=DEFAULT_PACKS_DIR) -> CallPolicy:
    return CallPolicy.resolve(PackLibrary.from_directory(directory), call_id, version)
