"""Whole working days of the shared calendar: the 2026 Spring Festival (16-23 February off; Saturdays
14 and 28 February worked), counted forwards and backwards."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aftercare_platform.calendar import Calendar, CalendarHasNoWorkingTime
from aftercare_platform.calendar.working_days import (
    add_working_days,
    china_working_days,
    end_of_working_day,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)

CN = china_working_days()


def test_holidays_are_off_and_swapped_saturdays_are_worked() -> None:
    assert not is_working_day(CN, date(2026, 2, 17))
    assert is_working_day(CN, date(2026, 2, 14)) and is_working_day(CN, date(2026, 2, 28))
    assert not is_working_day(CN, date(2026, 3, 7))


def test_next_and_previous_working_days_around_the_festival() -> None:
    assert next_working_day(CN, date(2026, 2, 15)) == date(2026, 2, 24)
    assert previous_working_day(CN, date(2026, 2, 23)) == date(2026, 2, 14)
    assert next_working_day(CN, date(2026, 2, 24)) == date(2026, 2, 24)


def test_adding_and_counting_working_days() -> None:
    assert add_working_days(CN, date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(CN, date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert add_working_days(CN, date(2026, 3, 2), -15) == date(2026, 2, 3)
    assert add_working_days(CN, date(2026, 2, 15), 0) == date(2026, 2, 24)
    assert working_days_between(CN, date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert working_days_between(CN, date(2026, 2, 24), date(2026, 2, 13)) == -2


def test_the_end_of_a_working_day_and_a_calendar_that_never_works() -> None:
    assert end_of_working_day(CN, date(2026, 2, 14)) == datetime(2026, 2, 14, 10, tzinfo=UTC)
    with pytest.raises(CalendarHasNoWorkingTime):
        end_of_working_day(CN, date(2026, 2, 17))
    never = Calendar(name="never", time_zone="UTC", weekly=((),) * 7)
    with pytest.raises(CalendarHasNoWorkingTime):
        next_working_day(never, date(2026, 1, 1))
