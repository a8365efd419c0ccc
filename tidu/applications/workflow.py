"""The application lifecycle as data: states, and who may move an application from one to another.

Every change of state goes through ``services.application_transition``, which reads this table; no
view or template decides on its own who may do what.
"""

from __future__ import annotations

from dataclasses import dataclass


class State:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    TOWNSHIP_RECOMMENDED = "township_recommended"
    TOWNSHIP_NOT_RECOMMENDED = "township_not_recommended"


STATE_LABELS: dict[str, str] = {
    State.DRAFT: "草稿",
    State.SUBMITTED: "已提交，待乡镇审核",
    State.RETURNED: "退回补正",
    State.TOWNSHIP_RECOMMENDED: "乡镇已推荐",
    State.TOWNSHIP_NOT_RECOMMENDED: "乡镇不予推荐",
}

# States in which the enterprise may edit (all sections in a draft; only returned ones after 退回补正).
EDITABLE_STATES = (State.DRAFT, State.RETURNED)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", "提交申报", (State.DRAFT,), State.SUBMITTED, ("enterprise",)),
    Transition("resubmit", "补正后重新提交", (State.RETURNED,), State.SUBMITTED, ("enterprise",)),
    Transition("township_return", "退回补正", (State.SUBMITTED,), State.RETURNED, ("township",), needs_reason=True),
    Transition("township_recommend", "同意推荐", (State.SUBMITTED,), State.TOWNSHIP_RECOMMENDED, ("township",)),
    Transition("township_not_recommend", "不予推荐", (State.SUBMITTED,), State.TOWNSHIP_NOT_RECOMMENDED,
               ("township",), needs_reason=True),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)
