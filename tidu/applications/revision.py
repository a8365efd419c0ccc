"""补正期限 (the due date of a return for revision): its default, whether it is still open, how pages say it.

The due date is a whole day in the call's timezone (北京时间): the enterprise may resubmit until its end, even
after the call's window closed. Its default is N working days after the day of the return, counted with the
city's calendar (``tidu.core.workdays``): N from the call pack's ``revision.working_days`` where a source states
it (the 2026 call's sources give none), else the bureau's call setting ``Call.revision_working_days``
(市经信局设定); with neither, there is no default and the official enters the date.
"""

from __future__ import annotations

import datetime as dt

from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.dates import date_zh
from tidu.core.workdays import working_days_after
from tidu.policy.call_policy import CallPolicy
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for


def default_rule(call: Call, policy: CallPolicy) -> tuple[int | None, str]:
    """Working days of the default 补正期限 and where the number comes from: the call pack if it states one,
    else the bureau's call setting (市经信局设定); (None, "") when neither does."""
    if policy.revision_working_days:
        return policy.revision_working_days, f"批次策略包 {policy.call.ref}"
    if call.revision_working_days:
        return call.revision_working_days, "市经信局设定"
    return None, ""


def default_due(call: Call, policy: CallPolicy, today: dt.date) -> dt.date | None:
    """The default 补正期限 for a return made on ``today``; None when no number is set (the official enters it)."""
    working_days, _source = default_rule(call, policy)
    if not working_days:
        return None
    return working_days_after(today, working_days)


def due_ends(policy: CallPolicy, due: dt.date) -> dt.datetime:
    """The first instant after the due date (24:00 of that day in the call's timezone)."""
    return policy.end_of_day_exclusive(due)


def pending(application: Application) -> bool:
    """Returned for revision with a due date set (older returns, made before due dates existed, have none)."""
    return application.status == State.RETURNED and application.revision_due is not None


def due_state(application: Application, today: dt.date) -> dict | None:
    """A returned application's 补正期限 as pages show it: {"due": date, "lapsed": bool}; None without one. The due
    date ends at 24:00 北京时间 (every call's zone): lapsed from the next business day (``today``) on. No policy is
    loaded, so that lists can ask for every row."""
    if not pending(application):
        return None
    return {"due": application.revision_due, "lapsed": application.revision_due < today}


def is_open(application: Application, policy: CallPolicy, now: dt.datetime) -> bool:
    """A returned application may still be resubmitted: the due date has not ended."""
    return pending(application) and now < due_ends(policy, application.revision_due)


def has_lapsed(application: Application, policy: CallPolicy, now: dt.datetime | None = None) -> bool:
    """The due date has ended with the application still returned."""
    return pending(application) and (now or clock.now()) >= due_ends(policy, application.revision_due)


def instruction(application: Application) -> str:
    """What the enterprise reads: until when to resubmit."""
    return f"请于{date_zh(application.revision_due)}前完成补正并重新提交（含当日，北京时间24:00止）"


def lapsed_text(application: Application) -> str:
    return (f"补正期限{date_zh(application.revision_due)}已过，不能再重新提交；"
            "如需延期，请联系退回补正的审核单位")


def parse_due(post) -> tuple[dt.date | None, str, str]:
    """The due date and its reason as typed in a form (``revision_due``, ``revision_due_reason``).

    Returns (date or None when left empty, reason, error message or "")."""
    typed = (post.get("revision_due") or "").strip()
    reason = (post.get("revision_due_reason") or "").strip()
    if not typed:
        return None, reason, ""
    try:
        return dt.date.fromisoformat(typed), reason, ""
    except ValueError:
        return None, reason, f"补正期限“{typed[:20]}”不是有效日期，请按 2026-03-25 的格式填写"


def form_default(application: Application) -> dict:
    """What the return form shows for the due date: the default (if one is set) and where it comes from."""
    policy = call_policy_for(application.call)
    today = clock.business_today(policy=policy)
    working_days, source = default_rule(application.call, policy)
    return {"default": default_due(application.call, policy, today), "working_days": working_days,
            "by_bureau": source == "市经信局设定", "pack": policy.call.ref, "today": today}
