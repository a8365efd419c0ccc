"""Dates and times as Chinese documents and notices write them.

``date_zh`` gives 2026年3月5日 (no leading zeros, as official documents write dates); ``date_zh_weekday``
adds the day of the week for 公示 notices; ``beijing_text`` shows a stored moment in 北京时间 whatever the
server's zone. These are the Chinese forms used in documents, notices and messages stored in Chinese; pages
that follow the reader's language keep using Django's ``date`` filter with a translated format.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from tidu.core.timezones import local_time

WEEKDAYS = "一二三四五六日"


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return local_time(value).date()
    return value


@lru_cache(maxsize=4096)  # pure; the engine writes the same few dates into every verdict
def date_zh(value: dt.date | str | None) -> str:
    """2026-03-05 → 2026年3月5日; an ISO string is read as a date; a moment is taken in 北京时间; empty → ""."""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def date_local(value: dt.date | str | None) -> str:
    """A date as the active language writes it: 2026年3月5日 in Chinese, 5 Mar 2026 in English; empty → ""."""
    from django.utils.formats import date_format

    day = _as_date(value)
    return date_format(day, "DATE_FORMAT") if day else ""


def moment_local(value: dt.datetime | None, policy=None) -> str:
    """A stored moment in 北京时间 (or the call's zone) as the active language writes it, with hours and minutes:
    2026年3月5日 14:30 / 5 Mar 2026 14:30; not a moment → ""."""
    if not isinstance(value, dt.datetime):
        return ""
    local = local_time(value, policy)
    return f"{date_local(local.date())} {local:%H:%M}"


def date_zh_weekday(value: dt.date | str | None) -> str:
    """2026-04-03 → 2026年4月3日（星期五）."""
    day = _as_date(value)
    return f"{date_zh(day)}（星期{WEEKDAYS[day.weekday()]}）" if day else ""


def beijing_text(value, fmt: str = "%Y-%m-%d %H:%M:%S", policy=None) -> str:
    """A moment in 北京时间 (or the call's zone), e.g. 2026-03-15 23:59:59; not a moment → ""."""
    if not isinstance(value, dt.datetime):
        return ""
    return local_time(value, policy).strftime(fmt)
