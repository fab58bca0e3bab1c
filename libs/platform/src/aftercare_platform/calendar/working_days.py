"""Whole working days of a `Calendar`: is a day worked, the next/previous one, N working days on.

A working day is a local day with working windows: weekdays of the calendar, minus public holidays,
plus swapped working weekends (the same definitions sla-timer's business-time arithmetic uses).
Plans, notices and report deadlines count in these days. Searches are bounded, never endless.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aftercare_platform.calendar.business import SEARCH_HORIZON_DAYS, Calendar, Window
from aftercare_platform.calendar.errors import CalendarHasNoWorkingTime

OFFICE_HOURS = (Window.parse("09:00-18:00"),)


def china_working_days(time_zone: str = "Asia/Shanghai", name: str = "cn-working-days") -> Calendar:
    """Monday to Friday office hours, Chinese public holidays off, swapped weekends worked."""
    return Calendar(name=name, time_zone=time_zone, weekly=(OFFICE_HOURS,) * 5 + ((), ()),
                    public_holidays="CN")


def is_working_day(calendar: Calendar, day: date) -> bool:
    return bool(calendar.windows_on(day))


def _step(calendar: Calendar, day: date, direction: int) -> date:
    for _ in range(SEARCH_HORIZON_DAYS):
        if is_working_day(calendar, day):
            return day
        day += timedelta(days=direction)
    raise CalendarHasNoWorkingTime(f"calendar {calendar.name!r} has no working day within {SEARCH_HORIZON_DAYS} days")


def next_working_day(calendar: Calendar, day: date) -> date:
    """`day` itself when worked, else the first working day after it."""
    return _step(calendar, day, 1)


def previous_working_day(calendar: Calendar, day: date) -> date:
    """`day` itself when worked, else the last working day before it."""
    return _step(calendar, day, -1)


def add_working_days(calendar: Calendar, day: date, count: int) -> date:
    """The `count`-th working day after `day` (negative: before it); 0 is `day` moved to a working day."""
    if count == 0:
        return next_working_day(calendar, day)
    direction = 1 if count > 0 else -1
    for _ in range(abs(count)):
        day = _step(calendar, day + timedelta(days=direction), direction)
    return day


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days in (start, end]: how many working days `end` lies after `start` (negative if before)."""
    if end < start:
        return -working_days_between(calendar, end, start)
    return sum(1 for offset in range(1, (end - start).days + 1) if is_working_day(calendar, start + timedelta(offset)))


def end_of_working_day(calendar: Calendar, day: date) -> datetime:
    """The instant `day`'s last working window closes (UTC); the day must be a working day."""
    intervals = calendar.intervals_on(day)
    if not intervals:
        raise CalendarHasNoWorkingTime(f"{day} is not a working day of calendar {calendar.name!r}")
    return intervals[-1][1]
