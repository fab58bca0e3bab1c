"""Schedules on Chinese working days: the 2026 Spring Festival (16-23 Feb off, Saturdays 14 and 28 Feb
worked), the first week of the next month, 15 working days' notice, fixed versus floating."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from aftercare_platform.errors import InvalidArgument
from inspection.domain.plans import PRESETS, Anchoring, HolidayPolicy, Plan, rule_for, validate
from inspection.domain.schedule import (
    first_week_of,
    fixed_occurrences,
    floating_next,
    last_day_of_first_week,
    notice_day,
    plan_calendar,
    upcoming,
)

QUARTERLY = Plan(id="p1", company_id="ACME", contract_id="C1", site_id="S1", asset_group="cameras",
                 region="east", title="Quarterly on-site check", rule=PRESETS["quarterly"],
                 starts_on=date(2025, 11, 17))
CAL = plan_calendar(QUARTERLY)


def scheduled(plan: Plan, start: date = date(2025, 11, 1), until: date = date(2026, 9, 30)) -> list[date]:
    return [o.scheduled for o in fixed_occurrences(plan, CAL, start, until)]


@pytest.mark.parametrize(("policy", "february", "may"), [
    (HolidayPolicy.NEXT, date(2026, 2, 24), date(2026, 5, 18)),  # after the festival; Monday after Sunday 17 May
    (HolidayPolicy.PREVIOUS, date(2026, 2, 14), date(2026, 5, 15)),  # the swapped Saturday is a working day
    (HolidayPolicy.SKIP, None, None),
])
def test_a_quarterly_plan_across_the_2026_spring_festival_under_each_holiday_policy(policy, february, may) -> None:
    days = scheduled(replace(QUARTERLY, holiday_policy=policy))
    expected = [date(2025, 11, 17), february, may, date(2026, 8, 17)]
    assert days == [day for day in expected if day is not None]


def test_a_nominal_day_on_a_swapped_saturday_stays_there_under_every_policy() -> None:
    for policy in HolidayPolicy:
        plan = replace(QUARTERLY, starts_on=date(2025, 11, 28), holiday_policy=policy)
        assert scheduled(plan, until=date(2026, 3, 31)) == [date(2025, 11, 28), date(2026, 2, 28)]


def test_the_move_says_why() -> None:
    moved = fixed_occurrences(QUARTERLY, CAL, date(2026, 2, 1), date(2026, 3, 1))[0]
    assert (moved.nominal, moved.scheduled) == (date(2026, 2, 17), date(2026, 2, 24))
    assert "Spring Festival" in moved.moved and "next working day" in moved.moved


def test_first_week_of_the_next_month_is_its_first_working_day_even_after_a_holiday_week() -> None:
    monthly = replace(QUARTERLY, rule=PRESETS["first_week_next_month"], starts_on=date(2026, 1, 1))
    days = scheduled(monthly, date(2026, 1, 1), date(2026, 12, 31))
    # 1 Jan is New Year (1-2 Jan off, Sunday 4 Jan worked); 1 Feb a Sunday; 1-5 May Labour Day;
    # 1-7 Oct National Day takes the whole first week: the first working day after it
    assert days == [date(2026, 1, 4), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 1), date(2026, 5, 6),
                    date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 3), date(2026, 9, 1), date(2026, 10, 8),
                    date(2026, 11, 2), date(2026, 12, 1)]
    assert "no working day in the first week" in first_week_of(CAL, date(2026, 10, 1)).moved


def test_the_monthly_report_is_due_on_the_last_working_day_of_the_first_week() -> None:
    assert last_day_of_first_week(CAL, date(2026, 3, 1)) == date(2026, 3, 6)  # Saturday 7 March is off
    assert last_day_of_first_week(CAL, date(2026, 2, 1)) == date(2026, 2, 6)
    assert last_day_of_first_week(CAL, date(2026, 10, 1)) == date(2026, 10, 8)  # the week is all holiday


def test_fifteen_working_days_notice_counts_past_the_festival_and_its_swapped_saturdays() -> None:
    # back from Monday 2 March: Sat 28 Feb (worked), 27..24 Feb, then the festival (16-23) and Sunday 15
    # are skipped, Sat 14 Feb is worked, then 13..3 Feb
    assert notice_day(CAL, date(2026, 3, 2), 15) == date(2026, 2, 3)
    assert notice_day(CAL, date(2026, 6, 22), 15) == date(2026, 5, 29)  # Dragon Boat Festival, 19 June, is off
    assert notice_day(CAL, date(2026, 6, 15), 0) == date(2026, 6, 15)


def test_fixed_recurs_from_the_start_and_floating_from_the_last_inspection_done() -> None:
    fixed = replace(QUARTERLY, starts_on=date(2026, 1, 12))
    floating = replace(fixed, anchoring=Anchoring.FLOATING)
    assert scheduled(fixed, date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 1, 12), date(2026, 4, 13), date(2026, 7, 13), date(2026, 10, 12)]
    first = floating_next(floating, CAL, None)
    assert first is not None and first.scheduled == date(2026, 1, 12)
    # done late, on 3 February: the next one is three months after that, not after 12 January
    following = floating_next(floating, CAL, date(2026, 2, 3))
    assert following is not None and following.scheduled == date(2026, 5, 6)  # 3 May is Labour Day: next working day
    assert len(upcoming(floating, CAL, date(2026, 2, 3), date(2026, 2, 3))) == 1
    assert len(upcoming(fixed, CAL, date(2026, 1, 1), None)) == 2  # a 120-day horizon: 12 January and 13 April


def test_a_plan_ends_when_it_says() -> None:
    ended = replace(QUARTERLY, starts_on=date(2026, 1, 12), ends_on=date(2026, 5, 1))
    assert scheduled(ended, date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 1, 12), date(2026, 4, 13)]


def test_rules_and_presets_are_checked_naming_the_field() -> None:
    assert rule_for("quarterly", "") == "FREQ=MONTHLY;INTERVAL=3"
    assert rule_for("", "RRULE:FREQ=WEEKLY;BYDAY=MO") == "FREQ=WEEKLY;BYDAY=MO"
    for preset, rule, field in [("weekly-ish", "", "preset"), ("", "", "rule"), ("", "FREQ=SOMETIMES", "rule"),
                                ("monthly", "FREQ=DAILY", "rule"), ("", "DTSTART:20260101\nFREQ=DAILY", "rule")]:
        with pytest.raises(InvalidArgument) as refused:
            rule_for(preset, rule)
        assert str(refused.value).startswith(f"{field}:")
    with pytest.raises(InvalidArgument):
        validate(replace(QUARTERLY, ends_on=date(2025, 1, 1)))
    with pytest.raises(InvalidArgument):
        validate(replace(QUARTERLY, company_id=" "))
