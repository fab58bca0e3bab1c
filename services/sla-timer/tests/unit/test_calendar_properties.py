"""Property: for any instant and business duration, between(start, add(start, d)) == d."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftercare_platform.calendar import Calendar, Window
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_timer.domain.defaults import load_default_policy_set

_DEFAULTS = load_default_policy_set()
_SPLIT = tuple(Window.parse(w) for w in ("09:00-12:00", "13:30-17:30"))
CALENDARS = [
    _DEFAULTS.calendar("workdays-cn-0900-1730"),
    _DEFAULTS.calendar("daily-0900-2130"),
    _DEFAULTS.calendar("24x7"),
    Calendar("berlin-split", "Europe/Berlin", (_SPLIT,) * 5 + ((), ())),
    Calendar("berlin-nights", "Europe/Berlin", ((Window.parse("01:00-04:00"),),) * 7),
    # Sundays 01:30-03:30 cross both US DST changes (2:00->3:00 in March, 2:00->1:00 in November)
    Calendar(
        "new-york",
        "America/New_York",
        ((Window.parse("09:00-17:00"),),) * 5 + ((), (Window.parse("01:30-03:30"),)),
    ),
]

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
durations = st.integers(min_value=0, max_value=300 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us))


@settings(max_examples=150, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=instants, duration=durations)
def test_between_undoes_add(calendar: Calendar, start: datetime, duration: timedelta) -> None:
    end = calendar.add(start, duration)
    assert end >= start
    assert calendar.between(start, end) == duration
    # add gives the earliest such instant: a microsecond before, less has elapsed
    if duration:
        assert calendar.between(start, end - timedelta(microseconds=1)) < duration


@settings(max_examples=150, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), a=instants, b=instants)
def test_add_undoes_between(calendar: Calendar, a: datetime, b: datetime) -> None:
    start, end = min(a, b), max(a, b)
    used = calendar.between(start, end)
    assert calendar.between(end, start) == -used
    reached = calendar.add(start, used)
    assert reached <= end
    assert calendar.between(start, reached) == used
