"""Business time on 9:00-17:30 Mon-Fri (Chinese holidays off, swapped days worked) around Spring Festival 2026.

The 2026 arrangement (国办发明电〔2025〕7号): 15-23 Feb off, Saturdays 14 Feb and 28 Feb
worked. Every expected value below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aftercare_platform.calendar import Calendar, holiday_year

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_holidays_package_knows_the_2026_spring_festival_and_its_swapped_saturdays() -> None:
    year = holiday_year("CN", 2026)
    # weekdays off: Mon 16 (eve) .. Fri 20, and Mon 23 (in lieu of Sat 28)
    spring = {d for d in year.days_off if d.month == 2}
    assert spring == {date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)}
    assert {date(2026, 2, 14), date(2026, 2, 28)} <= year.swapped_working_days
    # the other 2026 swaps the package carries: Sun 4 Jan, Sat 9 May, Sun 20 Sep, Sat 10 Oct
    assert year.swapped_working_days == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


def test_every_day_of_the_festival_fortnight_has_the_right_kind(workdays: Calendar) -> None:
    kinds = {d: workdays.day_kind(date(2026, 2, d)) for d in range(13, 29)}
    assert kinds[13] == "fri"
    assert kinds[14] == "swapped working day"
    assert kinds[15] == "sun"
    for day in (16, 17, 18, 19, 20, 23):
        assert kinds[day].startswith("public holiday"), day
    assert (kinds[21], kinds[22]) == ("sat", "sun")
    assert kinds[24] == "tue"
    assert kinds[28] == "swapped working day"
    worked = [d for d in range(13, 29) if workdays.windows_on(date(2026, 2, d))]
    assert worked == [13, 14, 24, 25, 26, 27, 28]


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Fri 16:00-17:30 = 1h30, the rest 2h30 on the swapped Saturday from 9:00
        (sh(2026, 2, 13, 16), 4 * H, sh(2026, 2, 14, 11, 30)),
        # Sat 14 15:00-17:30 = 2h30; Sun 15 .. Mon 23 all off; Tue 24 9:00 + 30m
        (sh(2026, 2, 14, 15), 3 * H, sh(2026, 2, 24, 9, 30)),
        # Fri 10:00-17:30 = 7h30; Sat 14 = 8h30 (16h); Tue 24 9:00 + 4h
        (sh(2026, 2, 13, 10), 20 * H, sh(2026, 2, 24, 13)),
        # starting on a holiday: nothing counts before Tue 24 9:00
        (sh(2026, 2, 18, 10), 1 * H, sh(2026, 2, 24, 10)),
        # Fri 27 17:00-17:30 = 30m; the swapped Sat 28 from 9:00 + 30m
        (sh(2026, 2, 27, 17), 1 * H, sh(2026, 2, 28, 9, 30)),
        # an ordinary weekend afterwards: Fri 6 Mar 17:00-17:30, then Mon 9 Mar 9:00 + 30m
        (sh(2026, 3, 6, 17), 1 * H, sh(2026, 3, 9, 9, 30)),
        # exactly a full day ends at the close of that day, not the next opening
        (sh(2026, 2, 13, 9), 8 * H + 30 * M, sh(2026, 2, 13, 17, 30)),
        # one second more spills into the swapped Saturday
        (sh(2026, 2, 13, 9), 8 * H + 30 * M + S, sh(2026, 2, 14, 9, 0, 1)),
        # the 5-min P1 response asked on Fri 13 at 17:28: 2 min Friday, 3 min Saturday
        (sh(2026, 2, 13, 17, 28), 5 * M, sh(2026, 2, 14, 9, 3)),
        # asked on New Year's Eve 2026 (Sat 14 swapped, Sun 15 off): counting starts Sat 9:00
        (sh(2026, 2, 14, 7), 2 * H, sh(2026, 2, 14, 11)),
    ],
)
def test_add_across_the_festival(workdays: Calendar, start, duration, expected) -> None:  # type: ignore[no-untyped-def]
    assert workdays.add(start, duration) == expected
    assert workdays.between(start, expected) == duration


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Fri 13 (8h30) + swapped Sat 14 (8h30); 15-23 nothing
        (sh(2026, 2, 13, 9), sh(2026, 2, 24, 9), 17 * H),
        # Thu 12 12:00-17:30 5h30 + Fri 13 8h30 + Sat 14 8h30 + Tue 24..Fri 27 4x8h30
        # + Sat 28 8h30 + Mon 2, Tue 3 Mar 2x8h30 + Wed 4 9:00-12:00 3h = 85h
        (sh(2026, 2, 12, 12), sh(2026, 3, 4, 12), 85 * H),
        # the whole holiday, Sunday to Monday night: nothing
        (sh(2026, 2, 15), sh(2026, 2, 23, 23, 59, 59), timedelta(0)),
        # two seconds across the Friday close and the Saturday opening
        (sh(2026, 2, 13, 17, 29, 59), sh(2026, 2, 14, 9, 0, 1), 2 * S),
        # an ordinary Saturday (21 Feb, inside the holiday anyway) and 7 Mar: nothing
        (sh(2026, 3, 7, 8), sh(2026, 3, 8, 20), timedelta(0)),
    ],
)
def test_between_across_the_festival(workdays: Calendar, a, b, expected) -> None:  # type: ignore[no-untyped-def]
    assert workdays.between(a, b) == expected
    assert workdays.between(b, a) == -expected


def test_working_time_checks(workdays: Calendar) -> None:
    assert workdays.is_working_time(sh(2026, 2, 14, 10))  # swapped Saturday
    assert not workdays.is_working_time(sh(2026, 2, 17, 10))  # Spring Festival
    assert not workdays.is_working_time(sh(2026, 2, 13, 17, 30))  # windows are [start, end)
    assert workdays.is_working_time(sh(2026, 2, 13, 17, 29, 59))


def test_overrides_supply_swaps_the_package_does_not_know(workdays: Calendar) -> None:
    # the package estimates 2027 holidays but knows no 2027 swaps (the notice comes in Nov 2026);
    # suppose Sat 30 Jan 2027 is announced as a working day and Fri 5 Feb 2027 as a day off
    assert holiday_year("CN", 2027).swapped_working_days == frozenset()
    announced = Calendar(
        name="workdays-2027",
        time_zone="Asia/Shanghai",
        weekly=workdays.weekly,
        public_holidays="CN",
        swapped_workday_windows=workdays.swapped_workday_windows,
        extra_working_days=frozenset({date(2027, 1, 30)}),
        extra_holidays=frozenset({date(2027, 2, 5)}),
    )
    assert announced.day_kind(date(2027, 1, 30)) == "extra working day"
    assert announced.day_kind(date(2027, 2, 5)) == "extra holiday"
    # Fri 29 Jan 17:00-17:30 30m, Sat 30 Jan (extra) 9:00 + 30m
    assert announced.add(sh(2027, 1, 29, 17), H) == sh(2027, 1, 30, 9, 30)
    assert workdays.add(sh(2027, 1, 29, 17), H) == sh(2027, 2, 1, 9, 30)
    # Thu 4 Feb 2027 17:00 + 1h: 30m Thursday, Fri 5 off by override, Sat 6 .. the package's festival
    assert announced.windows_on(date(2027, 2, 5)) == ()
    # an extra working day also overrides a package holiday
    on_holiday = Calendar(
        name="x",
        time_zone="Asia/Shanghai",
        weekly=workdays.weekly,
        public_holidays="CN",
        extra_working_days=frozenset({date(2026, 2, 18)}),
    )
    assert on_holiday.add(sh(2026, 2, 14, 17), H) == sh(2026, 2, 18, 9, 30)
