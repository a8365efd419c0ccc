"""北京时间: the time zone every business day, deadline and shown time is judged in.

A call's time zone comes from its policy pack (``content.timezone``, read as ``CallPolicy.timezone``); pass
the call's policy when there is one. Without a call at hand (a 公示's working days, a login lockout, a
reminder run) the platform's own zone applies, which is the zone every pack names today: Asia/Shanghai.
It is fixed here and not taken from ``settings.TIME_ZONE`` on purpose: whatever the server's clock or
configuration, a Chinese deadline ends at 24:00 北京时间.

Plain Python (no Django): the eligibility engine and the policy loader use it. Today's business date, which
follows the demo clock, is ``tidu.core.clock.business_today``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def zone(policy=None) -> ZoneInfo:
    """The call's zone from its policy pack (anything with a ``timezone``, e.g. ``CallPolicy``), else 北京时间."""
    found = getattr(policy, "timezone", None) if policy is not None else None
    return found or BEIJING


def local_time(moment: dt.datetime, policy=None) -> dt.datetime:
    """``moment`` in the call's (or Beijing) time; a naive moment is taken as UTC (how Django stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone(policy))


def local_day(moment: dt.datetime, policy=None) -> dt.date:
    """The calendar day ``moment`` falls on in 北京时间 (or the call's zone)."""
    return local_time(moment, policy).date()


def start_of_day(day: dt.date, policy=None) -> dt.datetime:
    """00:00 of ``day`` in 北京时间 (or the call's zone)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone(policy))
