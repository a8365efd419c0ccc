"""Every verdict of the golden cases is what the engine gave before its optimisation (see golden_cases.py): the
whole ``Verdict.as_dict()`` (findings, messages, checks, KPIs, coverage) by its digest, for 4,380 cases: the
example documents and perturbations of ``passing-basic.json`` under six calls and every tier."""

from __future__ import annotations

import copy
import json

from tidu.eligibility.tests.golden_cases import GOLDEN, cases, judge


def test_every_golden_case_gives_the_same_verdict():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed, unchanged_documents = [], True
    for case_id, policy_key, tier, document in cases():
        _, doc_name, tier_key = case_id.split("|")
        before = copy.deepcopy(document)
        record = judge(policy_key, tier, document)
        unchanged_documents &= document == before  # the engine never changes the document it judges
        if golden[policy_key][doc_name].pop(tier_key) != record:
            changed.append(f"{case_id}: {record}")
    assert not changed, f"{len(changed)} verdicts changed, e.g. {changed[:5]}"
    assert unchanged_documents
    assert not any(tiers for documents in golden.values() for tiers in documents.values()), "cases missing"


def test_the_golden_cases_are_varied():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    records = [record for documents in golden.values() for tiers in documents.values() for record in tiers.values()]
    assert {record.split()[0] for record in records} == {"eligible", "ineligible", "needs_review", "incomplete", "error"}
    assert len(set(records)) > 1000
