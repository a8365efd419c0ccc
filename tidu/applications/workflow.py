"""The application lifecycle as data: states, and who may move an application from one to another.

Every change of state is an operation (``operations.py``: one per row, "application.<action>"), which reads
this table; ``services.application_transition`` / ``application_submit`` are thin wrappers over them. No view
or template decides on its own who may do what (templates ask ``{% allowed %}``). The pipeline follows the call: 乡镇审核推荐 → 市经信局受理 → 形式审查 → 专家评审 →
现场核查 → 公示 → 认定, with 退回补正 possible at every review step. A return carries a 补正期限 (due date):
until its end the enterprise may resubmit even after the window closed; once it has passed unanswered, the
reviewer who returned it may close the application (the rows with ``lapsed_returns``) or extend the date.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop


class State:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    TOWNSHIP_RECOMMENDED = "township_recommended"
    TOWNSHIP_NOT_RECOMMENDED = "township_not_recommended"
    RECEIVED = "received"
    FORMAL_PASSED = "formal_passed"
    FORMAL_FAILED = "formal_failed"
    EXPERT_REVIEW = "expert_review"
    EXPERT_REVIEWED = "expert_reviewed"
    ONSITE_VERIFIED = "onsite_verified"
    PROPOSED = "proposed"
    RECOGNISED = "recognised"
    NOT_RECOGNISED = "not_recognised"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[str, str] = {
    State.DRAFT: gettext_noop("草稿"),
    State.SUBMITTED: gettext_noop("已提交，待乡镇审核"),
    State.RETURNED: gettext_noop("退回补正"),
    State.TOWNSHIP_RECOMMENDED: gettext_noop("乡镇已推荐，待报送推荐名单"),
    State.TOWNSHIP_NOT_RECOMMENDED: gettext_noop("乡镇不予推荐"),
    State.RECEIVED: gettext_noop("市经信局已受理，待形式审查"),
    State.FORMAL_PASSED: gettext_noop("形式审查通过，待专家评审"),
    State.FORMAL_FAILED: gettext_noop("形式审查不通过"),
    State.EXPERT_REVIEW: gettext_noop("专家评审中"),
    State.EXPERT_REVIEWED: gettext_noop("专家评审完成，待现场核查"),
    State.ONSITE_VERIFIED: gettext_noop("现场核查完成，待认定"),
    State.PROPOSED: gettext_noop("拟认定，公示中"),
    State.RECOGNISED: gettext_noop("已认定"),
    State.NOT_RECOGNISED: gettext_noop("未认定"),
    State.WITHDRAWN: gettext_noop("已撤回"),
}

# States in which the enterprise may edit (all sections in a draft; only returned ones after 退回补正).
EDITABLE_STATES = (State.DRAFT, State.RETURNED)
FINAL_STATES = (State.TOWNSHIP_NOT_RECOMMENDED, State.FORMAL_FAILED, State.RECOGNISED, State.NOT_RECOGNISED,
                State.WITHDRAWN)
# A target of RETURN_TO sends the application back to the state it was returned from (see Application.return_to).
RETURN_TO = "@return_to"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False
    # A return for revision (退回补正): reasons per section, and the application comes back to its source state.
    is_return: bool = False
    # A reviewer's decision on an application whose 补正期限 has passed unanswered: the row's sources include
    # RETURNED, allowed only once the due date has passed and only if it was returned from one of these states
    # (the reviewer who returned it decides; see operations.TransitionOperation.state_check).
    lapsed_returns: tuple[str, ...] = ()

    @property
    def operation_name(self) -> str:
        """The operation performing this row (tidu.applications.operations), for ``{% allowed %}``."""
        return f"application.{self.action}"


TRANSITIONS: tuple[Transition, ...] = (
    # The enterprise
    Transition("submit", gettext_noop("提交申报"), (State.DRAFT,), State.SUBMITTED, ("enterprise",)),
    Transition("resubmit", gettext_noop("补正后重新提交"), (State.RETURNED,), RETURN_TO, ("enterprise",)),
    Transition("withdraw", gettext_noop("撤回申报"), (State.SUBMITTED, State.RETURNED), State.WITHDRAWN, ("enterprise",),
               needs_reason=True),
    # The township unit (乡镇、办事处、农场、开发区)
    Transition("township_return", gettext_noop("退回补正"), (State.SUBMITTED,), State.RETURNED, ("township",),
               needs_reason=True, is_return=True),
    Transition("township_recommend", gettext_noop("同意推荐"), (State.SUBMITTED,), State.TOWNSHIP_RECOMMENDED, ("township",)),
    Transition("township_not_recommend", gettext_noop("不予推荐"), (State.SUBMITTED, State.RETURNED),
               State.TOWNSHIP_NOT_RECOMMENDED, ("township",), needs_reason=True, lapsed_returns=(State.SUBMITTED,)),
    Transition("township_withdraw_recommendation", gettext_noop("撤回推荐"), (State.TOWNSHIP_RECOMMENDED,), State.SUBMITTED,
               ("township",), needs_reason=True),
    # The city bureau (市经信局中小企业科)
    Transition("city_receive", gettext_noop("受理"), (State.TOWNSHIP_RECOMMENDED,), State.RECEIVED, ("city",)),
    Transition("city_return", gettext_noop("退回补正"), (State.RECEIVED, State.FORMAL_PASSED, State.EXPERT_REVIEWED,
                                          State.ONSITE_VERIFIED), State.RETURNED, ("city",),
               needs_reason=True, is_return=True),
    Transition("formal_pass", gettext_noop("形式审查通过"), (State.RECEIVED,), State.FORMAL_PASSED, ("city",)),
    Transition("formal_fail", gettext_noop("形式审查不通过"), (State.RECEIVED, State.RETURNED), State.FORMAL_FAILED, ("city",),
               needs_reason=True, lapsed_returns=(State.RECEIVED, State.FORMAL_PASSED)),
    Transition("expert_start", gettext_noop("提交专家评审"), (State.FORMAL_PASSED,), State.EXPERT_REVIEW, ("city",)),
    Transition("expert_complete", gettext_noop("专家评审完成"), (State.EXPERT_REVIEW,), State.EXPERT_REVIEWED, ("city",)),
    Transition("onsite_complete", gettext_noop("现场核查完成"), (State.EXPERT_REVIEWED,), State.ONSITE_VERIFIED, ("city",)),
    Transition("propose", gettext_noop("拟认定并公示"), (State.ONSITE_VERIFIED,), State.PROPOSED, ("city",)),
    Transition("recognise", gettext_noop("认定"), (State.PROPOSED,), State.RECOGNISED, ("city",)),
    Transition("reject", gettext_noop("不予认定"), (State.EXPERT_REVIEWED, State.ONSITE_VERIFIED, State.PROPOSED,
                                          State.RETURNED),
               State.NOT_RECOGNISED, ("city",), needs_reason=True,
               lapsed_returns=(State.EXPERT_REVIEWED, State.ONSITE_VERIFIED)),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}
ENTERPRISE_ACTIONS = ("submit", "resubmit")  # performed through application_submit (receipt, attestation)


# A state shown, never stored: a recommended application on its unit's 推荐名单 once the list is sent (报送) to the
# city. The application stays 乡镇已推荐 until the city receives it; what it waits for is the city, not the list.
LIST_SENT = "township_list_sent"
DISPLAY_LABELS: dict[str, str] = {**STATE_LABELS, LIST_SENT: gettext_noop("已报送推荐名单，待市经信局受理")}


def display_state(state: str, *, list_sent: bool = False) -> str:
    """The state a reader is shown: the stored one, or LIST_SENT for a recommended application on a sent list."""
    return LIST_SENT if state == State.TOWNSHIP_RECOMMENDED and list_sent else state


def state_label(state: str, *, list_sent: bool = False) -> str:
    """The one label of an application's status (Chinese msgid; translate when shown).

    Every page, dashboard and export labels an application's status through here (``Application.status_label``
    passes whether its 推荐名单 has been sent), so they cannot disagree.
    """
    shown = display_state(state, list_sent=list_sent)
    return DISPLAY_LABELS.get(shown, shown)


def transitions_from(state: str, role: str) -> list[Transition]:
    """The actions a role may take on an application in ``state`` (for buttons and checks)."""
    return [t for t in TRANSITIONS if state in t.sources and role in t.roles]
