"""Thin wrappers over the decision operations (views, the demo and tests call these)."""

from __future__ import annotations

from tidu.decisions.errors import DecisionError  # noqa: F401 - re-exported for callers
from tidu.decisions.operations import CollectiveDecisionRecord, ConclusionRecord, DecisionSettingSet


def conclusion_record(*, application, user, outcome: str, reasons: str):
    return ConclusionRecord(application, outcome=outcome, reasons=reasons).execute(user)


def collective_decision_record(*, call, user, conclusion_ids, **fields):
    return CollectiveDecisionRecord(call, conclusion_ids=conclusion_ids, **fields).execute(user)


def decision_setting_set(*, call, user, pass_mark, source: str = ""):
    return DecisionSettingSet(call, pass_mark=pass_mark, source=source).execute(user)
