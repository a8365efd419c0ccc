"""Counting working days (工作日): a 公示 period, a 补正期限. Plain Python, no Django (its error is the platform's one base).

A working day is Monday to Friday, except the public holidays (法定节假日) the city has entered, plus
the weekend days the city has entered as make-up working days (调休上班日). The platform ships no
holiday calendar: the State Council publishes it each year, and the city enters the days it needs
(see models.CalendarDay). With an empty calendar only weekends are skipped. The publicity app, which keeps the calendar, hands it to
``use_calendar`` (PublicityConfig.ready); other apps count with ``working_days_after`` / ``working_days_left``.

The start date counts as the first day when it is a working day: a 5-working-day 公示 starting on
Friday 2026-04-03 runs Friday, Monday, Tuesday, Wednesday, Thursday and ends on 2026-04-09.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

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


# --- the city's calendar, provided by the app that keeps it -------------------------------------------

CalendarSource = Callable[[dt.date, dt.date], tuple[set[dt.date], set[dt.date]]]
_calendar: CalendarSource | None = None


def use_calendar(source: CalendarSource) -> None:
    """Set ``source(first, last) -> (holidays, make-up working days)`` inside [first, last]."""
    global _calendar
    _calendar = source


def calendar_between(first: dt.date, last: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    if _calendar is None:
        return set(), set()
    return _calendar(first, last)


def working_days_after(day: dt.date, working_days: int) -> dt.date:
    """The ``working_days``-th working day after ``day`` (``day`` itself not counted), by the city's calendar."""
    first = day + dt.timedelta(days=1)
    holidays, workdays = calendar_between(first, first + dt.timedelta(days=working_days * 3 + 60))
    return period_end(first, working_days, holidays, workdays)


def working_days_left(today: dt.date, last_day: dt.date) -> int:
    """Working days from tomorrow up to and including ``last_day`` (0 when ``last_day`` is today or past)."""
    if last_day <= today:
        return 0
    holidays, workdays = calendar_between(today + dt.timedelta(days=1), last_day)
    day, count = today + dt.timedelta(days=1), 0
    while day <= last_day:
        count += is_working_day(day, holidays, workdays)
        day += dt.timedelta(days=1)
    return count
