"""Business calendars and business-time arithmetic, exact to the microsecond, DST-safe.

A calendar is a weekly pattern of working windows in its own time zone, minus public
holidays, plus swapped working days. Windows are wall-clock times: on a DST day a
window covers the real time between its two wall-clock ends (a wall time that does
not exist maps to the transition instant; an ambiguous one to its first occurrence).
All arithmetic happens on UTC instants, one local day at a time, and every search is
bounded by SEARCH_HORIZON_DAYS so a calendar without working time fails, never loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from aftercare_platform.calendar.errors import CalendarHasNoWorkingTime
from aftercare_platform.calendar.public_holidays import holiday_year
from aftercare_platform.errors import InvalidArgument

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 86_400
# Five years of days: far beyond any SLA target, small enough to fail fast.
SEARCH_HORIZON_DAYS = 5 * 366
_INTERVAL_CACHE_LIMIT = 20_000
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?-(\d{1,2}):(\d{2})(?::(\d{2}))?$")

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Window:
    """A working window of one local day: [start, end) in seconds since local midnight."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> Window:
        match = _WINDOW.match(str(text).replace(" ", ""))
        if match is None:
            raise ValueError(f"{text!r} is not a window like '09:00-17:30'")
        h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in match.groups())
        if m1 > 59 or m2 > 59 or s1 > 59 or s2 > 59:
            raise ValueError(f"{text!r}: minutes and seconds go up to 59")
        return cls(h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2)

    def problem(self) -> str | None:
        """Why this window is malformed, or None."""
        if not 0 <= self.start < DAY_SECONDS or not 0 < self.end <= DAY_SECONDS:
            return f"{self} must lie within 00:00-24:00"
        if self.end <= self.start:
            return f"{self} ends before it starts (split a window across midnight in two)"
        return None

    @property
    def length(self) -> timedelta:
        return timedelta(seconds=self.end - self.start)

    def __str__(self) -> str:
        return f"{_clock_text(self.start)}-{_clock_text(self.end)}"


def _clock_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


ALL_DAY = (Window(0, DAY_SECONDS),)


@dataclass(frozen=True)
class Calendar:
    """A named business calendar. `weekly` holds 7 tuples of windows, Monday first."""

    name: str
    time_zone: str
    weekly: tuple[tuple[Window, ...], ...]
    # country whose statutory holidays are days off and whose swapped weekend days are worked
    public_holidays: str | None = None
    # windows worked on a swapped or extra working day; None means Monday's windows
    swapped_workday_windows: tuple[Window, ...] | None = None
    extra_holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    description: str = ""
    _intervals: dict[date, tuple[Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def always_open(cls, name: str = "24x7", time_zone: str = "UTC", description: str = "") -> Calendar:
        return cls(name=name, time_zone=time_zone, weekly=(ALL_DAY,) * 7, description=description)

    # ---- what a day looks like -------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def workday_windows(self) -> tuple[Window, ...]:
        return self.weekly[0] if self.swapped_workday_windows is None else self.swapped_workday_windows

    def day_kind(self, day: date) -> str:
        """Why `day` has the windows it has: weekday, holiday, swapped or extra working day."""
        if day in self.extra_working_days:
            return "extra working day"
        if day in self.extra_holidays:
            return "extra holiday"
        if self.public_holidays is not None:
            year = holiday_year(self.public_holidays, day.year)
            if day in year.days_off:
                return f"public holiday ({year.names[day]})"
            if day in year.swapped_working_days:
                return "swapped working day"
        return WEEKDAYS[day.weekday()]

    def windows_on(self, day: date) -> tuple[Window, ...]:
        kind = self.day_kind(day)
        if kind in ("extra working day", "swapped working day"):
            return self.workday_windows
        if kind == "extra holiday" or kind.startswith("public holiday"):
            return ()
        return self.weekly[day.weekday()]

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The working time of local `day` as sorted, disjoint UTC intervals."""
        cached = self._intervals.get(day)
        if cached is not None:
            return cached
        raw = sorted((self._wall_to_utc(day, w.start), self._wall_to_utc(day, w.end)) for w in self.windows_on(day))
        merged: list[Interval] = []
        for start, end in raw:
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        if len(self._intervals) >= _INTERVAL_CACHE_LIMIT:
            self._intervals.clear()
        self._intervals[day] = result = tuple(merged)
        return result

    def _wall_to_utc(self, day: date, seconds: int) -> datetime:
        naive = datetime.combine(day, time()) + timedelta(seconds=seconds)
        instant = naive.replace(tzinfo=self.zone).astimezone(UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) == naive:
            return instant
        # the wall time falls in a DST gap: the first real instant after it is the transition
        low = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        after = instant.astimezone(self.zone).utcoffset()
        while instant - low > timedelta(seconds=1):
            middle = low + (instant - low) / 2
            middle = middle.replace(microsecond=0)
            if middle.astimezone(self.zone).utcoffset() == after:
                instant = middle
            else:
                low = middle
        return instant

    # ---- shape of the whole calendar -------------------------------------------------------

    @cached_property
    def is_continuous(self) -> bool:
        """Every instant is working time: business time equals elapsed time."""
        return self.public_holidays is None and not self.extra_holidays and all(d == ALL_DAY for d in self.weekly)

    @cached_property
    def can_ever_work(self) -> bool:
        """False when no day of any kind has a working window: no deadline can ever come."""
        any_weekly = any(self.weekly)
        any_swapped = bool(self.workday_windows) and (bool(self.extra_working_days) or self.public_holidays is not None)
        return any_weekly or any_swapped

    def local_date(self, instant: datetime) -> date:
        return _utc(instant).astimezone(self.zone).date()

    def is_working_time(self, instant: datetime) -> bool:
        at = _utc(instant)
        day = self.local_date(at)
        return any(s <= at < e for d in (day - timedelta(days=1), day) for s, e in self.intervals_on(d))

    # ---- arithmetic --------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which `duration` of business time has passed since `start` (UTC)."""
        begin = _utc(start)
        if duration < timedelta(0):
            raise InvalidArgument.for_field("duration", f"business duration must not be negative, got {duration}")
        if duration == timedelta(0):
            return begin
        if self.is_continuous:
            return begin + duration
        if not self.can_ever_work:
            raise CalendarHasNoWorkingTime(
                f"calendar {self.name!r} has no working time at all; no deadline can be computed",
                calendar=self.name,
            )
        remaining = duration
        first_day = self.local_date(begin) - timedelta(days=1)
        for offset in range(SEARCH_HORIZON_DAYS):
            for s, e in self.intervals_on(first_day + timedelta(days=offset)):
                if e <= begin:
                    continue
                opened = max(s, begin)
                if remaining <= e - opened:
                    return opened + remaining
                remaining -= e - opened
        raise CalendarHasNoWorkingTime(
            f"calendar {self.name!r} does not provide {duration} of working time within "
            f"{SEARCH_HORIZON_DAYS} days of {begin.isoformat()}",
            calendar=self.name,
        )

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from `a` to `b`; negative when `b` is before `a`."""
        start, end = _utc(a), _utc(b)
        if end < start:
            return -self.between(end, start)
        if self.is_continuous:
            return end - start
        total = timedelta(0)
        day = self.local_date(start) - timedelta(days=1)
        last = self.local_date(end)
        while day <= last:
            for s, e in self.intervals_on(day):
                if e > start and s < end:
                    total += min(e, end) - max(s, start)
            day += timedelta(days=1)
        return total


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidArgument.for_field("instant", f"{instant.isoformat()} has no time zone")
    return instant.astimezone(UTC)
