"""Business-time arithmetic on the other calendars: 9:00-21:30 daily, 24x7, split windows, DST, none at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aftercare_platform.calendar import ALL_DAY, SEARCH_HORIZON_DAYS, Calendar, Window
from aftercare_platform.errors import InvalidArgument
from sla_timer.domain.errors import CalendarHasNoWorkingTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def be(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def weekly(*windows: str, days: int = 7) -> tuple[tuple[Window, ...], ...]:
    day = tuple(Window.parse(w) for w in windows)
    return tuple(day if i < days else () for i in range(7))


# ---- 9:00-21:30 every day ------------------------------------------------------------------


def test_daily_calendar_works_weekends_and_holidays(daily: Calendar) -> None:
    # Mon 16 Feb 2026 is Spring Festival's eve: this calendar works it. 21:00-21:30, then Tue 9:00 + 30m
    assert daily.add(sh(2026, 2, 16, 21), H) == sh(2026, 2, 17, 9, 30)
    # Sat 20:00-21:30 = 1h30, Sun 9:00 + 2h30 (the 4 h of plan 003 加急服务)
    assert daily.add(sh(2026, 3, 7, 20), 4 * H) == sh(2026, 3, 8, 11, 30)
    # before opening: counting starts at 9:00
    assert daily.add(sh(2026, 3, 9, 7), 10 * M) == sh(2026, 3, 9, 9, 10)
    # Mon 8:00 .. Wed 8:00: two full days of 12h30
    assert daily.between(sh(2026, 3, 9, 8), sh(2026, 3, 11, 8)) == 25 * H
    # across midnight: 21:00 .. 09:15 next day = 30m + 15m
    assert daily.between(sh(2026, 3, 9, 21), sh(2026, 3, 10, 9, 15)) == 45 * M


def test_24x7_is_plain_elapsed_time(always: Calendar) -> None:
    assert always.is_continuous
    start = sh(2026, 2, 16, 23, 58)
    assert always.add(start, 5 * M) == sh(2026, 2, 17, 0, 3)
    assert always.add(start, 2 * H) == sh(2026, 2, 17, 1, 58)
    assert always.between(start, sh(2026, 2, 18, 0, 0)) == 24 * H + 2 * M


def test_results_are_utc_and_exact_to_the_microsecond(daily: Calendar) -> None:
    start = datetime(2026, 3, 9, 1, 0, 0, 123456, tzinfo=UTC)  # 9:00:00.123456 in Beijing
    end = daily.add(start, timedelta(hours=12, minutes=29, seconds=59, microseconds=876544))
    assert end == sh(2026, 3, 9, 21, 30)
    assert end.tzinfo is UTC


# ---- several windows a day -----------------------------------------------------------------


def test_a_lunch_break_does_not_count() -> None:
    office = Calendar("office", "Asia/Shanghai", weekly("09:00-12:00", "13:30-17:30", days=5))
    # 11:00-12:00 = 1h, 13:30 + 1h
    assert office.add(sh(2026, 3, 9, 11), 2 * H) == sh(2026, 3, 9, 14, 30)
    # a start inside the break waits for 13:30
    assert office.add(sh(2026, 3, 9, 12, 15), 10 * M) == sh(2026, 3, 9, 13, 40)
    assert office.between(sh(2026, 3, 9, 8), sh(2026, 3, 9, 20)) == 7 * H
    # ending exactly at 12:00 does not jump to 13:30
    assert office.add(sh(2026, 3, 9, 9), 3 * H) == sh(2026, 3, 9, 12)


def test_a_night_shift_split_across_midnight() -> None:
    nights = Calendar("nights", "Asia/Shanghai", weekly("00:00-06:00", "22:00-24:00"))
    # Mon 23:00-24:00, Tue 00:00-01:00: the two windows join at midnight
    assert nights.add(sh(2026, 3, 9, 23), 2 * H) == sh(2026, 3, 10, 1)
    assert nights.between(sh(2026, 3, 9, 12), sh(2026, 3, 10, 12)) == 8 * H


# ---- daylight saving time (Europe/Berlin, 2026: 29 Mar 02:00->03:00, 25 Oct 03:00->02:00) ----


def test_office_hours_across_the_spring_dst_change() -> None:
    office = Calendar("berlin", "Europe/Berlin", weekly("09:00-17:00", days=5))
    # Fri 27 Mar 16:00 CET: 1h Friday, Mon 30 Mar 9:00 CEST + 1h
    start = be(2026, 3, 27, 16)
    assert office.add(start, 2 * H) == be(2026, 3, 30, 10)
    # 66 wall-clock hours, one of which never existed
    assert be(2026, 3, 30, 10).astimezone(UTC) - start.astimezone(UTC) == 65 * H
    assert office.between(start, be(2026, 3, 30, 10)) == 2 * H
    # the week after the change still has 8 business hours a day
    assert office.between(be(2026, 3, 30, 0), be(2026, 3, 31, 0)) == 8 * H


def test_night_windows_on_dst_days_count_real_time() -> None:
    nights = Calendar("berlin-nights", "Europe/Berlin", weekly("01:00-04:00"))
    # 29 Mar: 01:00 CET .. 04:00 CEST is 2 real hours
    assert nights.between(be(2026, 3, 29, 0), be(2026, 3, 30, 0)) == 2 * H
    assert nights.add(be(2026, 3, 29, 0), 2 * H) == be(2026, 3, 29, 4)
    assert nights.add(be(2026, 3, 29, 0), 2 * H + 30 * M) == be(2026, 3, 30, 1, 30)
    # 25 Oct: 01:00 CEST .. 04:00 CET is 4 real hours
    assert nights.between(be(2026, 10, 25, 0), be(2026, 10, 26, 0)) == 4 * H
    assert nights.add(be(2026, 10, 25, 0), 4 * H) == be(2026, 10, 25, 4)
    # an ordinary day: 3 hours
    assert nights.between(be(2026, 3, 22, 0), be(2026, 3, 23, 0)) == 3 * H


def test_a_window_inside_the_dst_gap_is_empty() -> None:
    odd = Calendar("gap", "Europe/Berlin", weekly("02:00-02:30", "03:00-04:00"))
    assert odd.between(be(2026, 3, 29, 0), be(2026, 3, 30, 0)) == H
    assert odd.between(be(2026, 3, 22, 0), be(2026, 3, 23, 0)) == 90 * M
    # a window that starts in the gap starts at the transition (01:00 UTC)
    late = Calendar("gap2", "Europe/Berlin", weekly("02:30-05:00"))
    assert late.intervals_on(date(2026, 3, 29)) == (
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC)),
    )


def test_24x7_in_a_dst_zone_stays_continuous() -> None:
    berlin = Calendar.always_open(time_zone="Europe/Berlin")
    assert berlin.add(be(2026, 3, 29, 1, 30), H) == be(2026, 3, 29, 3, 30)
    assert berlin.between(be(2026, 10, 25, 0), be(2026, 10, 26, 0)) == 25 * H


# ---- refusals --------------------------------------------------------------------------------


def test_a_calendar_without_working_time_refuses_a_deadline() -> None:
    never = Calendar("never", "Asia/Shanghai", weekly(days=0))
    with pytest.raises(CalendarHasNoWorkingTime) as raised:
        never.add(sh(2026, 3, 9), M)
    assert "never" in raised.value.detail
    assert never.between(sh(2026, 3, 9), sh(2027, 3, 9)) == timedelta(0)


def test_a_calendar_that_only_works_on_long_past_extra_days_fails_within_the_horizon() -> None:
    once = Calendar(
        "once",
        "Asia/Shanghai",
        weekly(days=0),
        swapped_workday_windows=ALL_DAY,
        extra_working_days=frozenset({date(2020, 1, 6)}),
    )
    assert once.can_ever_work
    with pytest.raises(CalendarHasNoWorkingTime) as raised:
        once.add(sh(2026, 3, 9), M)
    assert str(SEARCH_HORIZON_DAYS) in raised.value.detail


def test_naive_instants_and_negative_durations_are_refused(daily: Calendar) -> None:
    with pytest.raises(InvalidArgument) as naive:
        daily.add(datetime(2026, 3, 9, 9), H)
    assert naive.value.violations[0].field == "instant"
    with pytest.raises(InvalidArgument) as negative:
        daily.add(sh(2026, 3, 9, 9), -H)
    assert negative.value.violations[0].field == "duration"
    assert daily.add(sh(2026, 3, 9, 7), timedelta(0)) == sh(2026, 3, 9, 7)


def test_window_parsing() -> None:
    assert Window.parse("09:00-17:30") == Window(9 * 3600, 17 * 3600 + 1800)
    assert str(Window.parse("13:30-24:00")) == "13:30-24:00"
    assert Window.parse("9:00:15 - 9:00:45").length == timedelta(seconds=30)
    for bad in ("9-17", "09:60-10:00", "x"):
        with pytest.raises(ValueError):
            Window.parse(bad)
    assert Window.parse("17:00-09:00").problem() is not None
    assert Window.parse("00:00-25:00").problem() is not None
