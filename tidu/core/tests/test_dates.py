"""北京时间 and the Chinese date forms, whatever the server's time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from tidu.core import clock
from tidu.core.dates import beijing_text, date_zh, date_zh_weekday
from tidu.core.timezones import BEIJING, local_day, local_time, start_of_day, zone

# 2026-03-15 16:30 UTC is 2026-03-16 00:30 in Beijing: a different day.
LATE_UTC = dt.datetime(2026, 3, 15, 16, 30, tzinfo=dt.UTC)


class _Policy:
    timezone = ZoneInfo("Asia/Urumqi")  # a pack may name another zone; the call's pack wins


def test_local_day_is_the_beijing_day():
    assert local_day(LATE_UTC) == dt.date(2026, 3, 16)
    assert local_time(LATE_UTC).hour == 0 and local_time(LATE_UTC).tzinfo == BEIJING


def test_the_calls_pack_decides_the_zone(policy):
    assert zone(policy) == ZoneInfo("Asia/Shanghai") == zone()  # the 2026 Tianmen pack names Asia/Shanghai
    assert zone(_Policy()) == ZoneInfo("Asia/Urumqi")
    assert local_day(LATE_UTC, _Policy()) == dt.date(2026, 3, 15)  # 22:30 in Urumqi


def test_naive_moments_are_read_as_utc():
    assert local_time(dt.datetime(2026, 3, 15, 16, 30)) == local_time(LATE_UTC)


def test_start_of_day_is_beijing_midnight():
    assert start_of_day(dt.date(2026, 3, 16)) == dt.datetime(2026, 3, 15, 16, 0, tzinfo=dt.UTC)


def test_business_today_follows_the_demo_clock(settings):
    settings.TIDU_NOW = "2026-03-15T23:59:00+08:00"
    assert clock.business_today() == dt.date(2026, 3, 15)
    assert clock.business_today(LATE_UTC) == dt.date(2026, 3, 16)


@pytest.mark.parametrize(("value", "expected"), [
    (dt.date(2026, 3, 5), "2026年3月5日"),
    ("2026-12-31", "2026年12月31日"),
    ("2026-01-02T10:00:00+08:00", "2026年1月2日"),
    (LATE_UTC, "2026年3月16日"),
    (None, ""),
    ("", ""),
])
def test_date_zh(value, expected):
    assert date_zh(value) == expected


def test_date_zh_weekday():
    assert date_zh_weekday(dt.date(2026, 4, 3)) == "2026年4月3日（星期五）"
    assert date_zh_weekday(dt.date(2026, 4, 5)) == "2026年4月5日（星期日）"
    assert date_zh_weekday(None) == ""


def test_beijing_text():
    assert beijing_text(LATE_UTC) == "2026-03-16 00:30:00"
    assert beijing_text(LATE_UTC, "%H:%M") == "00:30"
    assert beijing_text("not a moment") == "" and beijing_text(None) == ""


def test_template_filters_are_the_core_ones(settings):
    settings.TIME_ZONE = "UTC"  # the server's zone does not matter
    html = Template('{% load tidu_tags %}{{ m|beijing:"%Y-%m-%d %H:%M" }}|{{ d|date_zh }}|{{ d|cn_date }}|'
                    '{{ n|human_size }}').render(Context({"m": LATE_UTC, "d": dt.date(2026, 4, 3), "n": 1536}))
    assert html == "2026-03-16 00:30|2026年4月3日|2026年4月3日（星期五）|1.5 KB"
    # The app libraries that offered these filters hand out the same functions.
    assert Template("{% load applications_tags %}{{ m|beijing }}").render(Context({"m": LATE_UTC})) == \
        "2026-03-16 00:30:00"
    assert Template("{% load publicity_tags %}{{ d|cn_date }}").render(Context({"d": dt.date(2026, 4, 3)})) == \
        "2026年4月3日（星期五）"
