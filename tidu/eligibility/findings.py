"""Findings and verdicts: what the engine says about one application, each finding citing its clause."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tidu.core.sentences import chinese_value


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

# A result as stored (the plain string of its value), without a call to str() per check and finding.
_VALUES = {result: str(result) for result in Result}

# When several checks make up one clause, the clause takes the most serious of their results.
_SEVERITY = {Result.PASS: 0, Result.REVIEW: 1, Result.MISSING: 2, Result.FAIL: 3}


def worst(results) -> Result:
    """The most serious result (the first of equals), PASS when there is none."""
    found, rank = Result.PASS, 0
    for result in results:
        if _SEVERITY[result] > rank:
            found, rank = result, _SEVERITY[result]
    return found


def direct_init(cls):
    """Give a frozen dataclass an ``__init__`` that stores its fields in the instance dict directly.

    The generated one calls ``object.__setattr__`` per field (frozen), which made building the ~50 checks and 16
    findings of one evaluation a third of its time. Same signature, defaults and default factories (generated
    from the fields, so a field added later is covered); the instances stay frozen (assignment still raises).
    """
    assert not hasattr(cls, "__post_init__") and "__slots__" not in cls.__dict__ and cls.__dataclass_params__.frozen
    namespace: dict[str, Any] = {"_NOTHING": object()}
    params, body = [], []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_NOTHING")
            body.append(f"if {f.name} is _NOTHING: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"d[{f.name!r}] = {f.name}")
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__\n" + \
        "".join(f"    {line}\n" for line in body)
    exec(source, namespace)  # noqa: S102 - built from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


@direct_init
@dataclass(frozen=True)
class Check:
    """One sub-check of a clause: its result and the sentence explaining it (``message``, in Chinese, as stored),
    with its source (``msg``, ``tidu.core.sentences``) so pages can show it in the reader's language."""

    result: Result
    message: str
    msg: dict[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The stored form, built once per check and shared by every finding that serialises it (a check the plan
        keeps appears in many verdicts, one a 申报条件 shares with a 基础要求 in two findings): read-only."""
        data = self.__dict__.get("_data")
        if data is None:
            data = {"result": _VALUES[self.result], "message": self.message, "msg": self.msg} if self.msg else \
                {"result": _VALUES[self.result], "message": self.message}
            self.__dict__["_data"] = data  # frozen: stored beside the fields (not one of them)
        return data


def said(result: Result, msgid: str, /, **params: Any) -> Check:
    """A check worded by a Chinese msgid (marked with gettext_noop) and its values: the Chinese text is stored, the
    msgid and values are kept beside it (no translation happens here)."""
    if not params:
        return Check(result, msgid, {"m": msgid})
    source = {"m": msgid, "p": params}
    for value in params.values():
        if value.__class__ is dict:  # a date, a list, a term or a sentence among the values: in their Chinese form
            return Check(result, msgid % {name: chinese_value(v) if v.__class__ is dict else v
                                          for name, v in params.items()}, source)
    return Check(result, msgid % params, source)  # plain values (the usual case): formatted as they are


@direct_init
@dataclass(frozen=True)
class Finding:
    clause: str
    result: Result
    message: str
    clause_text: str
    source: str
    checks: tuple[Check, ...] = ()
    # The message's source: one sentence (or, for a check worded by policy text, its text) per check it is made
    # of, joined with ； and ended with 。 when shown; None in a verdict stored before sources were kept.
    msg: list[Any] | None = field(default=None, compare=False)

    @classmethod
    def from_checks(cls, clause: str, clause_text: str, source: str, checks: list[Check]) -> Finding:
        result, rank = Result.PASS, 0  # worst(), inline: 16 findings an evaluation
        for check in checks:
            if _SEVERITY[check.result] > rank:
                result, rank = check.result, _SEVERITY[check.result]
        # The message is made of the checks with the finding's result (every check when it passes).
        relevant = checks if result is Result.PASS else [c for c in checks if c.result == result]
        # Kept even when every check is worded by policy text (kept as written): the separators still follow
        # the reader's language.
        msg = [c.msg or c.message for c in relevant]
        return cls(clause, result, "；".join([c.message for c in relevant]) + "。", clause_text, source, tuple(checks),
                   msg)

    def as_dict(self) -> dict[str, Any]:
        """The stored form: a new dict each time, whose checks (and sources) are shared with every other
        serialisation of the same checks: read it or store it; never change its checks in place. A finding the
        engine's plan keeps (``keep``) is serialised once, not once per verdict; any other is built when asked."""
        data = self.__dict__.get("_data")
        return self._serialised() if data is None else data.copy()

    def _serialised(self) -> dict[str, Any]:
        # Built field by field: ``dataclasses.asdict`` deep-copies every value, and every value here is a string.
        # ``msg`` (the messages' sources) is added beside the Chinese texts, which stay as they were.
        data = {"clause": self.clause, "result": _VALUES[self.result], "message": self.message,
                "clause_text": self.clause_text, "source": self.source, "checks": [c.as_dict() for c in self.checks]}
        if self.msg is not None:
            data["msg"] = self.msg
        return data

    def keep(self) -> Finding:
        """Mark this finding as shared by many verdicts (the engine's plan keeps it): its stored form is built now,
        once, and each ``as_dict`` returns a copy of it. Frozen: stored beside the fields (not one of them)."""
        self.__dict__["_data"] = self._serialised()
        return self


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    INCOMPLETE = "incomplete"
    INELIGIBLE = "ineligible"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.value]


OUTCOME_LABELS = {"eligible": gettext_noop("符合申报条件"), "needs_review": gettext_noop("需人工复核"),
                  "incomplete": gettext_noop("信息不完整"), "ineligible": gettext_noop("不符合申报条件")}


@direct_init
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
            "outcome_label": OUTCOME_LABELS[self.outcome],  # (``.label`` reads ``.value``: a Python-level descriptor)
            "tier": self.tier,
            "tier_name": self.tier_name,
            "call": self.call,
            "policy_versions": self.policy_versions,
            "findings": [f.as_dict() for f in self.findings],
            "coverage": self.coverage,
            "kpis": self.kpis,
        }
