"""The time business rules are judged at (deadlines, call windows).

Normally the real time. A demo or training system can set TIDU_NOW (ISO 8601 with offset, e.g.
2026-03-10T10:00:00+08:00) so that a past call is "open" again; every page then says so in a banner.
Record timestamps (created_at and the like) use the real time, except inside ``story_at(moment)``: the demo
loader runs each step of its story there, so that the step's rules *and* its records (audit rows, decisions,
notifications …) carry the story's moment rather than the moment ``load_demo`` ran.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from unittest import mock

from django.conf import settings
from django.utils import timezone

from tidu.core.timezones import local_day

_STORY: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("tidu_story_moment", default=None)
_real_timezone_now = timezone.now


def record_now() -> dt.datetime:
    """Default of record timestamps: the real time, or the story's moment inside ``story_at``."""
    return _STORY.get() or _real_timezone_now()


@contextlib.contextmanager
def story_at(moment: dt.datetime):
    """Run a demo step at ``moment``: ``now()`` and every record timestamp (``timezone.now``, auto_now fields,
    ``record_now`` defaults) say ``moment``. For demo and data loaders only, never for requests."""
    if moment.tzinfo is None:
        raise ValueError("story_at needs an aware datetime")
    token = _STORY.set(moment)
    try:
        with mock.patch("django.utils.timezone.now", record_now):
            yield moment
    finally:
        _STORY.reset(token)


def fake_now() -> dt.datetime | None:
    story = _STORY.get()
    if story is not None:
        return story
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
