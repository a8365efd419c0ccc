"""Golden verdicts: many varied documents judged under every call the repository holds, for every tier.

The engine is optimised without changing a verdict; ``golden/verdicts.json`` holds, per case, the outcome and a
SHA-256 of the whole ``Verdict.as_dict()`` (canonical JSON; of the problems when the document is refused) as the
engine gave them before the optimisation (main at 4a6acc0). ``test_golden_verdicts.py`` judges the same cases and compares.

Regenerate (only when a verdict is meant to change, and say so in the commit):

    .venv/bin/python -m tidu.eligibility.tests.golden_cases --write

The cases: every example document of ``tidu/eligibility/examples`` as it is, and ``passing-basic.json`` perturbed
field by field (missing fields, branch offices in the admitted industries and outside them, figures just below, at
and above each threshold, maturity levels and scores, platforms and report dates, dated events before, inside and
after the look-back, scenarios covering one to five domains with and without AI, KPIs none / some / all / at the
edges, scopes, prior tiers), each judged under the four Tianmen call versions, the Qingdao example call and the
Xiantao test call, with the document's own tier and each of the four tiers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "verdicts.json"
EXAMPLES = HERE.parent / "examples"
POLICY_DIR = HERE.parents[1] / "policy"
EXTRA_CALLS = [POLICY_DIR / "examples" / "call-qingdao-2026-advanced" / "2026.1.yaml",
               POLICY_DIR / "tests" / "third_call" / "call-xiantao-2027-basic" / "2027.1.yaml"]
CALLS = [("call-tianmen-2026-basic", v) for v in ("2026.1", "2026.2", "2026.3", "2026.4")] + [
    ("call-qingdao-2026-advanced", "2026.1"), ("call-xiantao-2027-basic", "2027.1")]
TIERS = (None, "基础级", "先进级", "卓越级", "领航级")


@cache
def policies() -> dict[str, Any]:
    from tidu.policy.call_policy import CallPolicy
    from tidu.policy.loader import DEFAULT_PACKS_DIR, PackLibrary, load_pack_file

    packs = [load_pack_file(path) for path in sorted(Path(DEFAULT_PACKS_DIR).glob("*/*.yaml"))]
    library = PackLibrary([*packs, *(load_pack_file(path) for path in EXTRA_CALLS)])
    return {f"{call}@{version}": CallPolicy.resolve(library, call, version) for call, version in CALLS}


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return apply


def _drop(path: str) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node.get(part, {})
        node.pop(last, None)
    return apply


def _all(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        for change in changes:
            change(doc)
    return apply


def _scenarios(*ids: str, ai: int = 0, described: bool = True) -> Callable[[dict], None]:
    return _set("scenarios", [{"id": sid, "description": "建设内容说明。" if described else "", "uses_ai": i < ai}
                              for i, sid in enumerate(ids)])


FIVE_DOMAINS = ("SC01", "SC04", "SC09", "SC24", "SC30")
ALL_KPIS = {"K01": {"part": 46, "whole": 58}, "K02": {"part": 10, "whole": 40}, "K03": {"part": 3, "whole": 3},
            "K04": {"value": 7}, "K05": {"before": 30, "after": 20}, "K06": {"before": 100, "after": 130},
            "K07": {"before": 120, "after": 151}, "K08": {"before": 1, "after": 1}, "K09": {"before": 2.4, "after": 1.1},
            "K10": {"before": 50, "after": 75.5}, "K11": {"before": 3, "after": 9}, "K12": {"before": 8, "after": 9},
            "K13": {"before": 0.5, "after": 0.75}, "K14": {"before": 12, "after": 3}, "K15": {"before": 70, "after": 80},
            "K16": {"before": 5, "after": 6}, "K17": {"before": 9, "after": 9}, "K18": {"part": 0, "whole": 12},
            "K19": {"reused": 30, "fresh": 70}, "K20": {"value": 0}}

VARIANTS: dict[str, Callable[[dict], None]] = {
    "as-is": lambda doc: None,
    # top-level and section fields missing
    **{f"drop-{key}": _drop(key) for key in ("submitted_at", "enterprise", "record", "security", "equipment",
                                              "organisation", "maturity", "cooperation", "construction_completed",
                                              "scope", "scenarios", "kpis", "tier")},
    **{f"drop-enterprise.{key}": _drop(f"enterprise.{key}") for key in (
        "registered_region", "legal_status", "industry_code", "above_designated_size",
        "main_business_revenue_10k_yuan", "competitiveness")},
    **{f"drop-record.{key}": _drop(f"record.{key}") for key in (
        "operations_and_finance_sound", "bad_credit_records", "accidents", "violations")},
    **{f"drop-security.{key}": _drop(f"security.{key}") for key in (
        "secure_and_controllable", "cyber_and_data_risk_controllable")},
    **{f"drop-organisation.{key}": _drop(f"organisation.{key}") for key in ("has_mechanism", "description",
                                                                            "talent_count")},
    **{f"drop-maturity.{key}": _drop(f"maturity.{key}") for key in ("level", "score", "report_number",
                                                                    "report_date", "platform")},
    **{f"drop-cooperation.{key}": _drop(f"cooperation.{key}") for key in (
        "onsite_verification", "technology_promotion", "case_exchange")},
    # declarations answered no
    **{f"no-{path}": _set(path, False) for path in (
        "record.operations_and_finance_sound", "security.secure_and_controllable",
        "security.cyber_and_data_risk_controllable", "organisation.has_mechanism", "cooperation.onsite_verification",
        "cooperation.technology_promotion", "cooperation.case_exchange", "construction_completed")},
    # region
    "region-elsewhere": _set("enterprise.registered_region", "湖北省仙桃市"),
    "region-short": _set("enterprise.registered_region", "天门市岳口镇"),
    "region-spaces": _set("enterprise.registered_region", "湖北省 天门市"),
    "region-qingdao": _set("enterprise.registered_region", "山东省青岛市崂山区"),
    "region-xiantao": _set("enterprise.registered_region", "仙桃市"),
    "region-empty": _set("enterprise.registered_region", ""),
    # branch offices: named industries, broadly related classes, outside, no code
    **{f"branch-{code or 'nocode'}": _all(_set("enterprise.legal_status", "branch"),
                                          _set("enterprise.industry_code", code))
       for code in ("C2681", "C2511", "C25", "C26", "C3484", "C3311", "C33", "")},
    # 规上 and revenue around 2000 万元 and 20000 万元
    **{f"revenue-{value}": _set("enterprise.main_business_revenue_10k_yuan", value)
       for value in (0, 1999, 1999.99, 2000, 2000.5, 19999, 20000, 20001)},
    "not-above-size": _set("enterprise.above_designated_size", False),
    "above-size-no-revenue": _drop("enterprise.main_business_revenue_10k_yuan"),
    "competitiveness-blank": _set("enterprise.competitiveness", "   "),
    # talents
    **{f"talents-{value}": _set("organisation.talent_count", value) for value in (0, 1, 2, 3)},
    # maturity
    **{f"maturity-{level}-{score}": _all(_set("maturity.level", level), _set("maturity.score", score))
       for level, score in ((1, 1.5), (2, 1.99), (2, 2.0), (3, 3.2), (3, 2.5), (4, 4.1), (5, 5.0), (5, 4.8), (2, None))},
    "platform-other": _set("maturity.platform", "某咨询公司平台"),
    "platform-alias-case": _set("maturity.platform", "智能制造评估评价公共服务平台（C3ME）"),
    "platform-blank": _set("maturity.platform", "  "),
    "report-number-blank": _set("maturity.report_number", " "),
    "report-after-window": _set("maturity.report_date", "2027-03-20"),
    "report-at-submission": _set("maturity.report_date", "2026-03-10"),
    # submission time around each window
    **{f"submitted-{moment}": _set("submitted_at", moment) for moment in (
        "2026-01-21T23:59:59+08:00", "2026-01-22T00:00:00+08:00", "2026-03-15T23:59:59+08:00",
        "2026-03-16T00:00:00+08:00", "2026-03-15T16:30:00+00:00", "2026-02-10T10:00:00+08:00",
        "2027-02-01T10:00:00+08:00", "2026-01-04T10:00:00+08:00")},
    # dated events
    "credit-recent": _set("record.bad_credit_records", [{"date": "2024-05-01", "description": "失信"}]),
    "credit-old": _set("record.bad_credit_records", [{"date": "2022-05-01", "description": "失信"}]),
    "credit-later": _set("record.bad_credit_records", [{"date": "2026-12-01", "description": "失信"}]),
    "violation-edge": _set("record.violations", [{"date": "2023-01-22", "description": "违规"},
                                                 {"date": "2023-01-21", "description": "违规"}]),
    **{f"accident-{severity}-{deaths}-{date}": _set("record.accidents", [
        {"date": date, "severity": severity, "fatalities": deaths, "description": "事故"}])
       for severity, deaths, date in (("一般", 0, "2025-01-01"), ("一般", 1, "2025-01-01"), ("较大", 0, "2024-06-01"),
                                      ("重大", 2, "2021-06-01"), ("特别重大", 0, "2026-06-01"))},
    # equipment
    "equipment-uncontrolled": _set("equipment", [{"name": "进口数控系统", "category": "装备", "model": "X",
                                                  "vendor": "V", "origin": "进口", "secure_controllable": False},
                                                 {"name": "某软件", "category": "工业软件", "model": "Y",
                                                  "vendor": "W", "origin": "进口", "secure_controllable": False}]),
    "equipment-uncontrolled-undeclared": _all(_set("security.secure_and_controllable", False), _set("equipment", [
        {"name": "进口数控系统", "category": "装备", "model": "X", "vendor": "V", "origin": "进口",
         "secure_controllable": False}])),
    "equipment-empty": _set("equipment", []),
    # scenarios and coverage
    "scenarios-empty": _set("scenarios", []),
    "scenarios-management-only": _scenarios("SC09", "SC10"),
    "scenarios-undescribed": _scenarios("SC24", "SC09", described=False),
    "scenarios-advanced": _scenarios("SC24", "SC09", "SC30", ai=1),
    "scenarios-five-domains-ai-1": _scenarios(*FIVE_DOMAINS, ai=1),
    "scenarios-five-domains-ai-3": _scenarios(*FIVE_DOMAINS, ai=3),
    "scenarios-five-domains-ai-all": _scenarios(*FIVE_DOMAINS, ai=5),
    # scope
    **{f"scope-{scope}": _set("scope", scope) for scope in ("产线级", "车间级", "工厂级")},
    # KPIs
    "kpis-none": _set("kpis", {}),
    "kpis-all": _set("kpis", ALL_KPIS),
    "kpis-partial-input": _set("kpis", {"K01": {"part": 46}, "K05": {"before": 30}}),
    "kpis-null-input": _set("kpis", {"K01": {"part": None, "whole": 58}}),
    "kpis-edge": _set("kpis", {"K01": {"part": 58, "whole": 58}, "K03": {"part": 0, "whole": 1},
                               "K14": {"before": 1e-9, "after": 5}}),
    "kpis-invalid-negative": _set("kpis", {"K01": {"part": -1, "whole": 58}}),
    "kpis-invalid-ratio": _set("kpis", {"K01": {"part": 60, "whole": 58}}),
    "kpis-zero-baseline": _set("kpis", {"K06": {"before": 0, "after": 5}}),
    "kpis-unknown": _set("kpis", {"K99": {"value": 1}}),
    # prior tier (prerequisite_tier)
    **{f"prior-{tier}": _set("record.prior_tier", tier) for tier in ("基础级", "basic", "先进级", "卓越级", "某级")},
    # the document's own tier
    **{f"tier-{tier}": _set("tier", tier) for tier in ("先进级", "excellent", "领航级")},
    # an advanced-ready document, with and without KPIs
    "advanced-ready": _all(_scenarios("SC24", "SC09", "SC30", ai=2), _set("scope", "工厂级"), _set("tier", "先进级"),
                           _set("maturity.level", 3), _set("maturity.score", 3.2)),
    "advanced-ready-no-kpis": _all(_scenarios("SC24", "SC09", "SC30", ai=2), _set("scope", "工厂级"),
                                   _set("tier", "先进级"), _drop("kpis")),
    "excellent-ready": _all(_scenarios(*FIVE_DOMAINS, ai=2), _set("scope", "工厂级"), _set("maturity.level", 4),
                            _set("maturity.score", 4.2), _set("kpis", ALL_KPIS), _set("record.prior_tier", "先进级")),
}


def cases() -> Iterator[tuple[str, str, str | None, dict[str, Any]]]:
    """(case id, policy key, tier, document) for every golden case."""
    examples = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(EXAMPLES.glob("*.json"))}
    documents = {f"example:{name}": doc for name, doc in examples.items()}
    for name, change in VARIANTS.items():
        doc = copy.deepcopy(examples["passing-basic"])
        change(doc)
        documents[f"variant:{name}"] = doc
    for policy_key, policy in policies().items():
        for doc_name, doc in documents.items():
            for tier in TIERS:
                document = {**copy.deepcopy(doc), "call": policy.code}
                yield f"{policy_key}|{doc_name}|{tier or '-'}", policy_key, tier, document


def _canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def judge(policy_key: str, tier: str | None, document: dict[str, Any]) -> str:
    """The compact record of one case: "<outcome> <digest>", the digest a SHA-256 (first 16 hex digits) of the
    whole ``as_dict()`` as canonical JSON; "error <digest>" of the problems when the document is refused."""
    from tidu.eligibility.engine import evaluate
    from tidu.eligibility.interchange import InterchangeError

    try:
        verdict = evaluate(policies()[policy_key], document, tier, trusted=True)
    except InterchangeError as exc:
        return f"error {_digest(exc.problems)}"
    data = verdict.as_dict()
    return f"{data['outcome']} {_digest(_without_sources(data))}"


def _without_sources(data: Any) -> Any:
    """The verdict without its messages' sources (``msg``: the msgid and values each Chinese message was made from,
    added for English pages after these cases were recorded); every result and Chinese message is still compared."""
    if isinstance(data, dict):
        return {key: _without_sources(value) for key, value in data.items() if key != "msg"}
    if isinstance(data, list):
        return [_without_sources(value) for value in data]
    return data


def _digest(data: Any) -> str:
    return hashlib.sha256(_canonical(data).encode()).hexdigest()[:16]


def generate() -> dict[str, dict[str, dict[str, str]]]:
    """policy → document → tier ("-": the document's own) → record."""
    golden: dict[str, dict[str, dict[str, str]]] = {}
    for case_id, policy_key, tier, document in cases():
        _, doc_name, tier_key = case_id.split("|")
        golden.setdefault(policy_key, {}).setdefault(doc_name, {})[tier_key] = judge(policy_key, tier, document)
    return golden


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")
    django.setup()
    golden = generate()
    if "--write" in sys.argv:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    outcomes: dict[str, int] = {}
    for documents in golden.values():
        for tiers in documents.values():
            for record in tiers.values():
                outcomes[record.split()[0]] = outcomes.get(record.split()[0], 0) + 1
    print(f"{sum(outcomes.values())} cases: {outcomes}")

if __name__ == "__main__":
    main()
