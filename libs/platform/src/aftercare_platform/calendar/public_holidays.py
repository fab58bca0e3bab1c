"""Public holidays and swapped working days of a country, read from the `holidays` package.

`holidays.China` (python-holidays >= 0.60) lists statutory days off, including the
weekdays given off in lieu ("Day off (substituted from 02/14/2026)"), and exposes the
weekend days that become working days in `weekend_workdays`. For years whose State
Council notice is not out yet it only estimates the holidays and knows no swaps,
which is why calendars carry their own overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

SUPPORTED_COUNTRIES = frozenset({"CN"})


@dataclass(frozen=True)
class HolidayYear:
    days_off: frozenset[date]
    swapped_working_days: frozenset[date]
    names: dict[date, str]


@lru_cache(maxsize=512)
def holiday_year(country: str, year: int) -> HolidayYear:
    """The statutory days off and swapped working days of `country` in `year` (cached)."""
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(f"no holiday data for country {country!r}; supported: {sorted(SUPPORTED_COUNTRIES)}")
    table = holidays.country_holidays(country, years=year, language="en_US")
    days_off = {day: name for day, name in table.items() if day.year == year}
    workdays = frozenset(day for day in getattr(table, "weekend_workdays", ()) if day.year == year)
    return HolidayYear(days_off=frozenset(days_off), swapped_working_days=workdays, names=days_off)


def is_supported_country(country: str) -> bool:
    return country in SUPPORTED_COUNTRIES
