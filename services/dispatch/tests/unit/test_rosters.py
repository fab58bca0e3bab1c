"""Duty rosters: rotations over the 2026 Spring Festival, overrides, swaps, absences, holes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aftercare_platform.calendar import Calendar
from aftercare_platform.errors import InvalidArgument
from dispatch.domain.rosters import (
    Absence,
    Override,
    Roster,
    RotationLayer,
    Swap,
    coverage_gaps,
    on_duty,
    shifts,
    who_is_on_duty,
)
from dispatch.domain.vocabulary import DayFilter

from .conftest import beijing


def spring_festival_roster(calendar: Calendar, **changes: object) -> Roster:
    """Working days 9:00-17:30 rotate a/b daily; days off (weekends, holidays) rotate h1/h2; nights n1."""
    layers = (
        RotationLayer("workday", ("a", "b"), "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", datetime(2026, 2, 2, 9),
                      timedelta(hours=8, minutes=30), days=DayFilter.WORKING),
        RotationLayer("day-off", ("h1", "h2"), "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", datetime(2026, 2, 1, 9),
                      timedelta(hours=8, minutes=30), days=DayFilter.NON_WORKING),
        RotationLayer("night", ("n1",), "FREQ=DAILY;BYHOUR=17;BYMINUTE=30", datetime(2026, 2, 1, 17, 30),
                      timedelta(hours=15, minutes=30)),
    )
    fields: dict[str, object] = {"layers": layers, "calendar": calendar}
    fields.update(changes)
    return Roster("east-duty", "East duty", "east", "east-field", "Asia/Shanghai", **fields)  # type: ignore[arg-type]


def test_the_swapped_saturday_before_spring_festival_is_a_working_day_shift(cn_workdays: Calendar) -> None:
    roster = spring_festival_roster(cn_workdays)
    # Saturday 14 Feb 2026 is worked (调休): the working-day rotation, 11th counted day -> "a"
    answer = on_duty(roster, beijing(2026, 2, 14, 10))
    assert answer.engineer_ids == ("a",)
    assert answer.on_duty[0].source == "layer workday"


def test_spring_festival_days_off_are_covered_by_the_day_off_rotation(cn_workdays: Calendar) -> None:
    roster = spring_festival_roster(cn_workdays)
    for day in range(15, 24):  # 15-23 Feb 2026: the holiday, weekdays included
        answer = on_duty(roster, beijing(2026, 2, day, 10))
        assert set(answer.engineer_ids) <= {"h1", "h2"}, day
        assert len(answer.engineer_ids) == 1
    # the working-day rotation resumes where it stopped: the 12th counted day is "b"
    assert on_duty(roster, beijing(2026, 2, 24, 10)).engineer_ids == ("b",)


def test_the_second_swapped_saturday_is_worked_and_an_ordinary_sunday_is_not(cn_workdays: Calendar) -> None:
    roster = spring_festival_roster(cn_workdays)
    assert on_duty(roster, beijing(2026, 2, 28, 10)).on_duty[0].source == "layer workday"
    assert on_duty(roster, beijing(2026, 3, 1, 10)).on_duty[0].source == "layer day-off"
    assert on_duty(roster, beijing(2026, 3, 7, 10)).on_duty[0].source == "layer day-off"


def test_the_night_layer_covers_the_hours_after_the_day_shift(cn_workdays: Calendar) -> None:
    roster = spring_festival_roster(cn_workdays)
    assert on_duty(roster, beijing(2026, 2, 17, 23)).engineer_ids == ("n1",)
    assert on_duty(roster, beijing(2026, 2, 18, 8, 59)).engineer_ids == ("n1",)
    assert coverage_gaps(roster, beijing(2026, 2, 10), beijing(2026, 3, 3)) == []


def test_an_override_beats_the_rotation(cn_workdays: Calendar) -> None:
    override = Override("x", beijing(2026, 2, 14, 9), beijing(2026, 2, 14, 13), reason="covering for a")
    roster = spring_festival_roster(cn_workdays, overrides=(override,))
    assert on_duty(roster, beijing(2026, 2, 14, 10)).engineer_ids == ("x",)
    assert on_duty(roster, beijing(2026, 2, 14, 14)).engineer_ids == ("a",)


def test_an_override_of_one_layer_leaves_the_others(cn_workdays: Calendar) -> None:
    override = Override("x", beijing(2026, 2, 14, 17), beijing(2026, 2, 14, 18), layer="workday")
    roster = spring_festival_roster(cn_workdays, overrides=(override,))
    assert set(on_duty(roster, beijing(2026, 2, 14, 17, 15)).engineer_ids) == {"x"}
    assert set(on_duty(roster, beijing(2026, 2, 14, 17, 45)).engineer_ids) == {"x", "n1"}


def test_an_override_beats_an_absence(cn_workdays: Calendar) -> None:
    absent = Absence("a", beijing(2026, 2, 14), beijing(2026, 2, 15), "sick")
    override = Override("a", beijing(2026, 2, 14, 9), beijing(2026, 2, 14, 12))
    roster = spring_festival_roster(cn_workdays, absences=(absent,), overrides=(override,))
    assert on_duty(roster, beijing(2026, 2, 14, 10)).engineer_ids == ("a",)


def test_a_swap_hands_the_shift_to_another_engineer(cn_workdays: Calendar) -> None:
    swap = Swap("a", "c", beijing(2026, 2, 14, 12), beijing(2026, 2, 14, 17, 30), layer="workday")
    roster = spring_festival_roster(cn_workdays, swaps=(swap,))
    assert on_duty(roster, beijing(2026, 2, 14, 10)).engineer_ids == ("a",)
    answer = on_duty(roster, beijing(2026, 2, 14, 13))
    assert answer.engineer_ids == ("c",)
    assert answer.on_duty[0].source == "swap in layer workday"
    worked = [s for s in shifts(roster, beijing(2026, 2, 14), beijing(2026, 2, 15)) if s.layer == "workday"]
    assert [(s.engineer_id, s.start, s.end) for s in worked] == [
        ("a", beijing(2026, 2, 14, 9), beijing(2026, 2, 14, 12)),
        ("c", beijing(2026, 2, 14, 12), beijing(2026, 2, 14, 17, 30)),
    ]


def test_an_absence_leaves_a_hole_that_is_reported_as_data(cn_workdays: Calendar) -> None:
    absent = Absence("h2", beijing(2026, 2, 17, 9), beijing(2026, 2, 17, 17, 30), "family visit")
    roster = spring_festival_roster(cn_workdays, absences=(absent,))
    # days off counted from Sun 1 Feb: 1, 7, 8, 15, 16, 17 -> the 6th, h2's turn
    assert on_duty(spring_festival_roster(cn_workdays), beijing(2026, 2, 17, 10)).engineer_ids == ("h2",)
    holder = on_duty(roster, beijing(2026, 2, 17, 10))
    assert holder.has_hole
    assert "h2 (layer day-off) is absent: family visit" in holder.notes
    gaps = coverage_gaps(roster, beijing(2026, 2, 16), beijing(2026, 2, 19))
    assert len(gaps) == 1
    assert (gaps[0].start, gaps[0].end) == (beijing(2026, 2, 17, 9), beijing(2026, 2, 17, 17, 30))
    assert "absent: family visit" in gaps[0].reason


def test_a_roster_without_night_cover_has_nightly_holes() -> None:
    day_only = RotationLayer("day", ("a",), "FREQ=DAILY;BYHOUR=9", datetime(2026, 3, 2, 9), timedelta(hours=9))
    roster = Roster("r", "Day only", "east", "field", "Asia/Shanghai", layers=(day_only,))
    answer = on_duty(roster, beijing(2026, 3, 3, 20))
    assert answer.has_hole
    assert answer.notes == ("nobody on duty: a hole in the roster",)
    gaps = coverage_gaps(roster, beijing(2026, 3, 3, 0), beijing(2026, 3, 4, 0))
    assert [(g.start, g.end) for g in gaps] == [
        (beijing(2026, 3, 3, 0), beijing(2026, 3, 3, 9)),
        (beijing(2026, 3, 3, 18), beijing(2026, 3, 4, 0)),
    ]


def test_weekly_rotation_hands_over_every_seven_shifts() -> None:
    weekly = RotationLayer("week", ("a", "b", "c"), "FREQ=DAILY;BYHOUR=8", datetime(2026, 3, 2, 8),
                           timedelta(hours=24), shifts_per_turn=7)
    roster = Roster("r", "Weekly", "east", "field", "Asia/Shanghai", layers=(weekly,))
    assert on_duty(roster, beijing(2026, 3, 8, 12)).engineer_ids == ("a",)
    assert on_duty(roster, beijing(2026, 3, 9, 7, 59)).engineer_ids == ("a",)
    assert on_duty(roster, beijing(2026, 3, 9, 8)).engineer_ids == ("b",)
    assert on_duty(roster, beijing(2026, 3, 23, 8)).engineer_ids == ("a",)


def test_a_roster_keeps_its_own_time_zone_across_daylight_saving() -> None:
    # Europe/Berlin moves to summer time on 29 Mar 2026: the 09:00 shift is still 09:00 local
    layer = RotationLayer("day", ("a",), "FREQ=DAILY;BYHOUR=9", datetime(2026, 3, 27, 9), timedelta(hours=8))
    roster = Roster("r", "Berlin", "eu", "field", "Europe/Berlin", layers=(layer,))
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    assert on_duty(roster, datetime(2026, 3, 30, 9, 0, tzinfo=berlin)).engineer_ids == ("a",)
    assert on_duty(roster, datetime(2026, 3, 30, 8, 59, tzinfo=berlin)).has_hole
    gaps = coverage_gaps(roster, datetime(2026, 3, 28, tzinfo=berlin), datetime(2026, 3, 31, tzinfo=berlin))
    assert gaps[1].end == datetime(2026, 3, 29, 9, tzinfo=berlin)


def test_who_is_on_duty_asks_every_roster_of_the_region_and_team(cn_workdays: Calendar) -> None:
    east = spring_festival_roster(cn_workdays)
    other = Roster("north", "North", "north", "north-field", "Asia/Shanghai", layers=east.layers,
                   calendar=cn_workdays)
    answers = who_is_on_duty([east, other], "east", "", beijing(2026, 2, 14, 10))
    assert [a.roster_id for a in answers] == ["east-duty"]
    assert who_is_on_duty([east, other], "east", "expert-panel", beijing(2026, 2, 14, 10)) == []


def test_bad_roster_data_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as bad_rule:
        RotationLayer("x", ("a",), "FREQ=SOMETIMES", datetime(2026, 3, 2), timedelta(hours=1))
    assert "layers[x].rule" in str(bad_rule.value.violations[0].field)
    with pytest.raises(InvalidArgument):
        Roster("r", "R", "east", "t", "Mars/Olympus")
    with pytest.raises(InvalidArgument):
        layer = RotationLayer("x", ("a",), "FREQ=DAILY", datetime(2026, 3, 2), timedelta(hours=1),
                              days=DayFilter.WORKING)
        Roster("r", "R", "east", "t", "Asia/Shanghai", layers=(layer,))


def test_a_shift_ending_hands_over_to_whoever_is_on_duty_next(cn_workdays: Calendar) -> None:
    from dispatch.domain.rosters import handovers

    roster = spring_festival_roster(cn_workdays)
    found = handovers(roster, beijing(2026, 2, 14, 0), beijing(2026, 2, 15, 0))
    # the night hands to the Saturday day shift at 09:00, which hands back to the night at 17:30
    assert [(h.outgoing, h.incoming, h.at) for h in found] == [
        ("n1", ("a",), beijing(2026, 2, 14, 9)),
        ("a", ("n1",), beijing(2026, 2, 14, 17, 30)),
    ]
