"""Working-day calendars shared by every service: one source of what a working day is.

public_holidays  statutory days off and swapped working weekends of a country (python-holidays)
business         Calendar, Window: weekly working windows minus holidays plus swapped days;
                 business-time add/between, DST-safe, bounded search
errors           CalendarHasNoWorkingTime

Pure: no I/O beyond the `holidays` package's tables.
"""

from aftercare_platform.calendar.business import (
    ALL_DAY,
    DAY_SECONDS,
    SEARCH_HORIZON_DAYS,
    WEEKDAYS,
    Calendar,
    Interval,
    Window,
)
from aftercare_platform.calendar.errors import CalendarHasNoWorkingTime
from aftercare_platform.calendar.public_holidays import (
    SUPPORTED_COUNTRIES,
    HolidayYear,
    holiday_year,
    is_supported_country,
)

__all__ = [
    "ALL_DAY",
    "DAY_SECONDS",
    "SEARCH_HORIZON_DAYS",
    "SUPPORTED_COUNTRIES",
    "WEEKDAYS",
    "Calendar",
    "CalendarHasNoWorkingTime",
    "HolidayYear",
    "Interval",
    "Window",
    "holiday_year",
    "is_supported_country",
]
