"""The on-site check (现场核查) lifecycle as data: its states, and who may do what to it in which state.

Rows have the form of ``tidu.applications.workflow.TRANSITIONS``; ``target=SAME`` means the state does not
change, ``sources=()`` that the action creates the check or does not depend on its state. Read by
``tidu.onsite.operations``; nothing else decides it. Inspectors are city officers or experts assigned to the
check (the operation adds that to the role).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tidu.applications.workflow import State as ApplicationState
from tidu.applications.workflow import Transition

SAME = "@same"


class CheckState:
    OPEN = "open"
    COMPLETED = "completed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


STATE_LABELS = {
    CheckState.OPEN: gettext_noop("核查中"),
    CheckState.COMPLETED: gettext_noop("已完成"),
    CheckState.RETURNED: gettext_noop("已退回补正"),
    CheckState.CANCELLED: gettext_noop("已取消"),
}

# A check is opened for an application whose expert review is complete.
OPENS_FROM_APPLICATION_STATE = ApplicationState.EXPERT_REVIEWED
INSPECTOR_ROLES = ("city", "expert")

CHECK_TRANSITIONS: tuple[Transition, ...] = (
    # The city (市经信局); opening also happens on its own when expert review completes (the event).
    Transition("open", gettext_noop("生成核查清单"), (), CheckState.OPEN, ("city",)),
    Transition("set_inspectors", gettext_noop("指定核查人员"), (CheckState.OPEN,), SAME, ("city",)),
    # Inspectors (and the city): item by item, with photos, then tell the city.
    Transition("decide_item", gettext_noop("填写核查结果"), (CheckState.OPEN,), SAME, INSPECTOR_ROLES),
    Transition("add_photo", gettext_noop("上传照片"), (CheckState.OPEN,), SAME, INSPECTOR_ROLES),
    Transition("delete_photo", gettext_noop("删除照片"), (CheckState.OPEN,), SAME, INSPECTOR_ROLES),
    Transition("report", gettext_noop("通知市经信局核查完毕"), (CheckState.OPEN,), SAME, INSPECTOR_ROLES),
    # The city decides: complete (the application's onsite_complete) or return for revision (city_return).
    Transition("complete", gettext_noop("现场核查完成"), (CheckState.OPEN,), CheckState.COMPLETED, ("city",)),
    Transition("return", gettext_noop("退回补正"), (CheckState.OPEN,), CheckState.RETURNED, ("city",),
               needs_reason=True, is_return=True),
    # A newer checklist replaces one generated from claims that have since changed.
    Transition("cancel", gettext_noop("作废清单"), (CheckState.OPEN,), CheckState.CANCELLED, ("city",)),
    # A discrepancy (不符) is settled by the city whatever became of the check.
    Transition("resolve_item", gettext_noop("记录处理情况"), (), SAME, ("city",)),
)
CHECK_TRANSITIONS_BY_ACTION = {t.action: t for t in CHECK_TRANSITIONS}
