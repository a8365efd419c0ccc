"""The 推荐名单 (附件5) lifecycle as data: states, actions, who may take them — and the township deadline.

Like ``tidu.applications.workflow``, this table is read by the operations (``tidu.review.operations``): no view,
template or service decides on its own who may change a list or when. A township officer acts on its own
unit's list only (the operations check the scope); the city only reopens.

States: 草稿 (draft) → 已签发 (signed, frozen) → 已报送 (sent). The city may reopen (退回修改) a signed or
sent list; a reopened list is edited, signed and sent again (once per reopening). The township's changes are
also bound by its deadline (the whole last day, 北京时间), except while a reopening is pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

from tidu.core.dates import date_local, date_zh
from tidu.core.timezones import local_day  # noqa: F401 - re-exported
from tidu.policy.models import Call
from tidu.review.models import RecommendationList

ListState = RecommendationList.Status
SAME = "@same"  # the action keeps the list in the state it is in (edits of a draft or reopened list)
EDITABLE = (ListState.DRAFT, ListState.REOPENED)


@dataclass(frozen=True)
class ListAction:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False
    # The township's deadline applies (unless the city reopened the list); ``editing``: the list must not be frozen.
    deadline: bool = True
    editing: bool = True


LIST_ACTIONS: tuple[ListAction, ...] = (
    ListAction("create", gettext_noop("建立名单"), (), ListState.DRAFT, ("township",), deadline=False),
    ListAction("add", gettext_noop("列入"), EDITABLE, SAME, ("township",)),
    ListAction("edit", gettext_noop("修改顺序或意见"), EDITABLE, SAME, ("township",)),
    ListAction("reorder", gettext_noop("调整顺序"), EDITABLE, SAME, ("township",)),
    ListAction("remove", gettext_noop("移出"), EDITABLE, SAME, ("township",)),
    ListAction("sign", gettext_noop("签发"), EDITABLE, ListState.SIGNED, ("township",)),
    # 撤销签发 returns to draft, or to reopened while a reopening is pending (see unsign_target).
    ListAction("unsign", gettext_noop("撤销签发"), (ListState.SIGNED,), ListState.DRAFT, ("township",), editing=False),
    ListAction("send", gettext_noop("报送市经信局"), (ListState.SIGNED,), ListState.SENT, ("township",), editing=False),
    ListAction("reopen", gettext_noop("退回修改"), (ListState.SIGNED, ListState.SENT), ListState.REOPENED, ("city",),
               needs_reason=True, deadline=False, editing=False),
)
LIST_ACTIONS_BY_NAME = {a.action: a for a in LIST_ACTIONS}


# 北京时间 days and Chinese dates are written once, in tidu.core; re-exported for the review modules.
day_text = date_zh


def deadline_passed(call: Call, now: dt.datetime) -> bool:
    """The township deadline covers its whole last day (北京时间): passed from 00:00 of the next day."""
    return now >= call.township_deadline_before


def reopen_pending(rlist: RecommendationList) -> bool:
    """Reopened by the city and not yet sent again: the township may change and send it once more."""
    return rlist.reopened_at is not None and (rlist.sent_at is None or rlist.sent_at < rlist.reopened_at)


def township_may_change(rlist: RecommendationList, now: dt.datetime) -> bool:
    return not deadline_passed(rlist.call, now) or reopen_pending(rlist)


def township_blocker(rlist: RecommendationList, now: dt.datetime, *, editing: bool = True) -> str | None:
    """Why the township cannot change (``editing``) or sign/send the list now; None if it can."""
    if editing and rlist.is_frozen:
        return (gettext("推荐名单已签发，不能再修改") if rlist.status == ListState.SENT
                else gettext("推荐名单已签发，不能再修改（可先撤销签发）"))
    if not township_may_change(rlist, now):
        day = rlist.call.township_deadline_on
        return gettext("乡镇推荐截止时间（%(day)s 24:00，北京时间）已过，推荐名单不能再修改或报送；"
                       "如需修改，请联系市经信局退回名单") % {"day": date_local(day)}
    return None


def unsign_target(rlist: RecommendationList) -> str:
    return ListState.REOPENED if reopen_pending(rlist) else ListState.DRAFT
