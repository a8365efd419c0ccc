"""Counting working days (工作日) for a 公示 period. Plain Python, no Django (its error is the platform's one base).

A working day is Monday to Friday, except the public holidays (法定节假日) the city has entered, plus
the weekend days the city has entered as make-up working days (调休上班日). The platform ships no
holiday calendar: the State Council publishes it each year, and the city enters the days it needs
(see models.CalendarDay). With an empty calendar only weekends are skipped.

The start date counts as the first day when it is a working day: a 5-working-day 公示 starting on
Friday 2026-04-03 runs Friday, Monday, Tuesday, Wednesday, Thursday and ends on 2026-04-09.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from tidu.core.errors import TiduError

MAX_WORKING_DAYS = 30
# Practice: a 公示 runs 5 working days (Shenzhen 先进级 2025, Heilongjiang — /work/shared/reference/
# practice-2026.md, "公示: 5 working days"). The seed notice states no period; a shorter one is allowed only
# with a reason the city confirms (recorded on the 公示 and in its audit row).
PRACTICE_WORKING_DAYS = 5
# No real calendar has a run of non-working days this long; reaching it means the calendar is wrong.
_SEARCH_LIMIT_DAYS = 370


class CalendarError(TiduError, ValueError):
    """The period cannot be counted; ``message`` says why, in Chinese."""


def is_working_day(day: dt.date, holidays: Collection[dt.date] = (),
                   workdays: Collection[dt.date] = ()) -> bool:
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def period_end(start: dt.date, working_days: int, holidays: Collection[dt.date] = (),
               workdays: Collection[dt.date] = ()) -> dt.date:
    """The date of the ``working_days``-th working day counted from ``start`` (inclusive)."""
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise CalendarError(f"公示期应为 1 至 {MAX_WORKING_DAYS} 个工作日（填写了 {working_days}）")
    counted = 0
    day = start
    for _ in range(_SEARCH_LIMIT_DAYS):
        if is_working_day(day, holidays, workdays):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)
    raise CalendarError("节假日设置有误：一年内找不到足够的工作日")


def skipped_days(start: dt.date, end: dt.date, holidays: Collection[dt.date] = (),
                 workdays: Collection[dt.date] = ()) -> list[dt.date]:
    """Non-working days inside [start, end] that are not weekends: the holidays that moved the end."""
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and not is_working_day(day, holidays, workdays):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def counted_weekend_days(start: dt.date, end: dt.date, workdays: Collection[dt.date] = ()) -> list[dt.date]:
    """Weekend days inside [start, end] counted as working days (调休上班日)."""
    return sorted(day for day in workdays if start <= day <= end and day.weekday() >= 5)
