"""Findings and verdicts: what the engine says about one application, each finding citing its clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tidu.core.sentences import chinese


def gettext_noop(message: str) -> str:
    """Marks a label for the translation catalogue (makemessages) without importing Django into the engine;
    pages show it through ``gettext`` (applications_tags.result_label, outcome_label, tidu_tags.label)."""
    return message


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"  # needs a person: the rule cannot be settled from the data alone
    MISSING = "missing"  # not answered yet; never shown as a failure

    @property
    def label(self) -> str:
        return RESULT_LABELS[self]


RESULT_LABELS = {Result.PASS: gettext_noop("符合"), Result.FAIL: gettext_noop("不符合"),
                 Result.REVIEW: gettext_noop("需人工复核"), Result.MISSING: gettext_noop("待填写")}

# When several checks make up one clause, the clause takes the most serious of their results.
_SEVERITY = {Result.PASS: 0, Result.REVIEW: 1, Result.MISSING: 2, Result.FAIL: 3}


def worst(results) -> Result:
    results = list(results)
    return max(results, key=_SEVERITY.__getitem__) if results else Result.PASS


@dataclass(frozen=True, slots=True)
class Check:
    """One sub-check of a clause: its result and the sentence explaining it (``message``, in Chinese, as stored),
    with its source (``msg``, ``tidu.core.sentences``) so pages can show it in the reader's language."""

    result: Result
    message: str
    msg: dict[str, Any] | None = field(default=None, compare=False)


def said(result: Result, msgid: str, /, **params: Any) -> Check:
    """A check worded by a Chinese msgid (marked with gettext_noop) and its values: the Chinese text is stored, the
    msgid and values are kept beside it (no translation happens here)."""
    if not params:
        return Check(result, msgid, {"m": msgid})
    source = {"m": msgid, "p": params}
    for value in params.values():
        if type(value) is dict:  # noqa: E721 — a date, a list, a term or a sentence among the values
            return Check(result, chinese(source), source)
    return Check(result, msgid % params, source)  # plain values (the usual case): formatted at once


def _relevant(result: Result, checks) -> list[Check]:
    """The checks a finding's message is made of: those with the finding's result (every check when it passes)."""
    return [c for c in checks if c.result == result] if result != Result.PASS else list(checks)


@dataclass(frozen=True)
class Finding:
    clause: str
    result: Result
    message: str
    clause_text: str
    source: str
    checks: tuple[Check, ...] = ()
    # The message's source: one sentence (or, for a check worded by policy text, its text) per check it is made
    # of, joined with ； and ended with 。 when shown; None when no check kept one (a verdict stored before).
    msg: list[Any] | None = field(default=None, compare=False)

    @classmethod
    def from_checks(cls, clause: str, clause_text: str, source: str, checks: list[Check]) -> Finding:
        result = worst(check.result for check in checks)
        relevant = _relevant(result, checks)
        msg = [c.msg or c.message for c in relevant] if any(c.msg for c in relevant) else None
        return cls(clause=clause, result=result, message="；".join([c.message for c in relevant]) + "。",
                   clause_text=clause_text, source=source, checks=tuple(checks), msg=msg)

    def as_dict(self) -> dict[str, Any]:
        # Built field by field: ``dataclasses.asdict`` deep-copies every value, and every value here is a string.
        # ``msg`` (the messages' sources) is added beside the Chinese texts, which stay as they always were.
        data = {"clause": self.clause, "result": str(self.result), "message": self.message,
                "clause_text": self.clause_text, "source": self.source,
                "checks": [{"result": str(c.result), "message": c.message, "msg": c.msg} if c.msg else
                           {"result": str(c.result), "message": c.message} for c in self.checks]}
        if self.msg is not None:
            data["msg"] = self.msg
        return data


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    INCOMPLETE = "incomplete"
    INELIGIBLE = "ineligible"

    @property
    def label(self) -> str:
        return {"eligible": gettext_noop("符合申报条件"), "needs_review": gettext_noop("需人工复核"),
                "incomplete": gettext_noop("信息不完整"), "ineligible": gettext_noop("不符合申报条件")}[self.value]


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    tier_met: bool
    outcome: Outcome
    tier: str
    tier_name: str
    call: str
    policy_versions: dict[str, str]
    findings: tuple[Finding, ...]
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)

    def finding(self, clause: str) -> Finding:
        return next(f for f in self.findings if f.clause == clause)

    def as_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "tier_met": self.tier_met,
            "outcome": str(self.outcome),
            "outcome_label": self.outcome.label,
            "tier": self.tier,
            "tier_name": self.tier_name,
            "call": self.call,
            "policy_versions": self.policy_versions,
            "findings": [f.as_dict() for f in self.findings],
            "coverage": self.coverage,
            "kpis": self.kpis,
        }
