"""The time business rules are judged at (deadlines, call windows).

Normally the real time. A demo or training system can set TIDU_NOW (ISO 8601 with offset, e.g.
2026-03-10T10:00:00+08:00) so that a past call is "open" again; every page then says so in a banner.
Record timestamps (created_at and the like) always use the real time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tidu.core.timezones import local_day


def fake_now() -> dt.datetime | None:
    value = getattr(settings, "TIDU_NOW", "")
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("TIDU_NOW must carry a UTC offset, e.g. 2026-03-10T10:00:00+08:00")
    return moment


def now() -> dt.datetime:
    return fake_now() or timezone.now()


def business_today(moment: dt.datetime | None = None, policy=None) -> dt.date:
    """The business day of ``moment`` (default: ``now()``, so a demo clock moves it) in 北京时间 or the call's zone."""
    return local_day(moment or now(), policy)
