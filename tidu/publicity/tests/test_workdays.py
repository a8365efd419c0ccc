"""Working-day counting for the 公示 period, pure and with the city's calendar."""

import datetime as dt

import pytest
from django.urls import reverse

from tidu.core.workdays import CalendarError, is_working_day, period_end, skipped_days
from tidu.publicity import services
from tidu.publicity.models import CalendarDay, Publicity
from tidu.publicity.tests.conftest import BEFORE, START, make_publicity

FRIDAY = dt.date(2026, 4, 3)
EASTER_MONDAY_LIKE = dt.date(2026, 4, 6)  # any weekday inside the period, entered as a holiday


def test_five_working_days_from_a_friday_end_on_thursday():
    assert period_end(FRIDAY, 5) == dt.date(2026, 4, 9)


def test_a_holiday_inside_the_period_moves_the_end():
    assert period_end(FRIDAY, 5, holidays={EASTER_MONDAY_LIKE}) == dt.date(2026, 4, 10)
    assert skipped_days(FRIDAY, dt.date(2026, 4, 10), {EASTER_MONDAY_LIKE}) == [EASTER_MONDAY_LIKE]


def test_a_holiday_outside_the_period_changes_nothing():
    assert period_end(FRIDAY, 5, holidays={dt.date(2026, 5, 1)}) == dt.date(2026, 4, 9)


def test_a_make_up_working_day_on_a_weekend_counts():
    saturday = dt.date(2026, 4, 4)
    assert is_working_day(saturday, workdays={saturday})
    assert period_end(FRIDAY, 5, workdays={saturday}) == dt.date(2026, 4, 8)


def test_a_start_on_a_weekend_counts_from_monday():
    assert period_end(dt.date(2026, 4, 4), 5) == dt.date(2026, 4, 10)
    assert period_end(dt.date(2026, 4, 6), 1) == dt.date(2026, 4, 6)


def test_a_week_of_holidays_pushes_past_it():
    holidays = {dt.date(2026, 10, d) for d in range(1, 9)}
    assert period_end(dt.date(2026, 9, 30), 2) == dt.date(2026, 10, 1)
    assert period_end(dt.date(2026, 9, 30), 2, holidays=holidays) == dt.date(2026, 10, 9)


@pytest.mark.parametrize("days", [0, -1, 31])
def test_period_length_is_bounded(days):
    with pytest.raises(CalendarError, match="公示期应为 1 至 30 个工作日"):
        period_end(FRIDAY, days)


def test_the_publicity_end_follows_the_city_calendar_until_published(world, verified, city, client):
    draft = make_publicity(world["call"], city, [verified["a"]])
    assert draft.end_date == dt.date(2026, 4, 9) and draft.calendar_applied == {"holidays": [], "workdays": []}

    client.force_login(city)
    response = client.post(reverse("publicity:calendar"), {"date": "2026-04-06", "kind": "holiday", "note": "演示假日"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.end_date == dt.date(2026, 4, 10)
    assert draft.calendar_applied["holidays"] == ["2026-04-06"]

    services.publicity_publish(publicity=draft, user=city, now=BEFORE)
    CalendarDay.objects.create(date=dt.date(2026, 4, 7), kind="holiday", created_by=city)
    services.calendar_day_delete(row=CalendarDay.objects.get(date=dt.date(2026, 4, 6)), user=city)
    draft.refresh_from_db()
    assert draft.status == Publicity.Status.PUBLISHED
    assert draft.end_date == dt.date(2026, 4, 10), "a published period never moves"


def test_calendar_refuses_pointless_days(world, city):
    with pytest.raises(services.PublicityError, match="本来就是工作日"):
        services.calendar_day_add(day=dt.date(2026, 4, 8), kind="workday", note="", user=city)
    with pytest.raises(services.PublicityError, match="是周末"):
        services.calendar_day_add(day=dt.date(2026, 4, 4), kind="holiday", note="", user=city)
    services.calendar_day_add(day=dt.date(2026, 4, 6), kind="holiday", note="", user=city)
    with pytest.raises(services.PublicityError, match="已经设置过"):
        services.calendar_day_add(day=dt.date(2026, 4, 6), kind="holiday", note="", user=city)


def test_calendar_page_says_that_no_holidays_are_preloaded(world, city, client):
    client.force_login(city)
    page = client.get(reverse("publicity:calendar")).content.decode()
    assert "平台不预置节假日安排" in page and "目前本表为空" in page


def test_compute_period_uses_the_stored_calendar(db, world, city):
    assert services.compute_period(START, 5)[0] == dt.date(2026, 4, 9)
    CalendarDay.objects.create(date=dt.date(2026, 4, 6), kind="holiday", created_by=city)
    assert services.compute_period(START, 5) == (dt.date(2026, 4, 10), {"holidays": ["2026-04-06"], "workdays": []})
