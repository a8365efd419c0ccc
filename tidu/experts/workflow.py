"""The lifecycles of expert review as data: who may do what to an assignment (评审任务) in which state, and
the pool and rubric actions with their roles. Read by ``tidu.experts.operations``; nothing else decides it.

Rows have the form of ``tidu.applications.workflow.TRANSITIONS``. ``sources=()`` means the action creates
the object (or does not depend on its state); ``target=SAME`` means the state does not change.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tidu.applications.workflow import State as ApplicationState
from tidu.applications.workflow import Transition

SAME = "@same"


class AssignmentState:
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"


OPEN = (AssignmentState.ASSIGNED, AssignmentState.REOPENED)
ALL_ASSIGNMENT_STATES = (*OPEN, AssignmentState.SUBMITTED, AssignmentState.WITHDRAWN)

# The application states in which experts are assigned and scores change (the applications table owns them).
ASSIGNABLE_APPLICATION_STATES = (ApplicationState.FORMAL_PASSED, ApplicationState.EXPERT_REVIEW)
SCORING_APPLICATION_STATE = ApplicationState.EXPERT_REVIEW

ASSIGNMENT_TRANSITIONS: tuple[Transition, ...] = (
    # The city (市经信局) assigns; the first assignment also starts expert review on the application.
    Transition("assign", gettext_noop("选派专家"), (), AssignmentState.ASSIGNED, ("city",)),
    # The expert (评审专家)
    Transition("save", gettext_noop("保存评分草稿"), OPEN, SAME, ("expert",)),
    Transition("submit", gettext_noop("提交评分"), OPEN, AssignmentState.SUBMITTED, ("expert",)),
    # The expert declares a conflict while scoring; the city withdraws an expert found to have one (also after
    # submission, until the review is completed), and then replaces them from the eligible pool.
    Transition("withdraw", gettext_noop("回避"), (*OPEN, AssignmentState.SUBMITTED), AssignmentState.WITHDRAWN,
               ("expert", "city"), needs_reason=True),
    # The city names one assigned expert the panel leader (专家组组长), who writes the panel opinion.
    Transition("set_leader", gettext_noop("指定专家组组长"), (*OPEN, AssignmentState.SUBMITTED), SAME, ("city",)),
    # The city asks one expert to reconsider (退回复核) before completing the review.
    Transition("reopen", gettext_noop("退回复核"), (AssignmentState.SUBMITTED,), AssignmentState.REOPENED, ("city",),
               needs_reason=True),
)
ASSIGNMENT_TRANSITIONS_BY_ACTION = {t.action: t for t in ASSIGNMENT_TRANSITIONS}

# Completing the expert review of an application (专家评审完成) records the aggregate and performs the
# application's own ``expert_complete``.
REVIEW_COMPLETE = Transition("complete", gettext_noop("专家评审完成"), (ApplicationState.EXPERT_REVIEW,),
                             ApplicationState.EXPERT_REVIEWED, ("city",))


# The panel's opinion (专家组意见): by the panel leader or the city, once the scores are unsealed, while the review
# runs; frozen when the review is completed.
PANEL_OPINION = Transition("panel_opinion", gettext_noop("填写专家组意见"), (ApplicationState.EXPERT_REVIEW,), SAME,
                           ("city", "expert"))


class ProfileState:
    ACTIVE = "active"
    INACTIVE = "inactive"


class RubricState:
    """What the rubric's settings mean for the seal: scores hidden until all are in, or shown to the city early."""

    SEALED = "sealed"
    UNSEALED = "unsealed"


# The pool (专家库), conflict-of-interest relations (关联关系) and rubrics (评分表): their actions and roles.
POOL_ACTIONS: tuple[Transition, ...] = (
    Transition("account_create", gettext_noop("新建专家账号"), (), SAME, ("city",)),
    Transition("profile_create", gettext_noop("加入专家库"), (), ProfileState.ACTIVE, ("city",)),
    Transition("profile_update", gettext_noop("修改专家信息"), (), SAME, ("city",)),
    # An expert declares about themselves; the city may record for them. Only the city removes one.
    Transition("relation_declare", gettext_noop("登记关联关系"), (), SAME, ("city", "expert")),
    Transition("relation_remove", gettext_noop("删除关联关系"), (), SAME, ("city",)),
    Transition("rubric_create", gettext_noop("建立评分表"), (), RubricState.SEALED, ("city",)),
    # Switching the seal off early (全部提交前市经信局可查看分数) needs a reason.
    Transition("rubric_update", gettext_noop("修改评分表设置"), (), SAME, ("city",)),
    Transition("criterion_change", gettext_noop("修改评分项"), (), SAME, ("city",)),
    # Review sessions (评审会): the city schedules them and prints their 专家签到表.
    Transition("session_create", gettext_noop("新建评审会"), (), SAME, ("city",)),
    Transition("session_update", gettext_noop("修改评审会"), (), SAME, ("city",)),
)
POOL_ACTIONS_BY_ACTION = {t.action: t for t in POOL_ACTIONS}
