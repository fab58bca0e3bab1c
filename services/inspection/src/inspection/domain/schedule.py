"""When a plan's inspections fall: its RRULE's nominal days, moved onto working days by its policy.

Fixed plans recur from their start; floating plans one period after the last inspection was done
(so only the next one is known). The customer is told `notice_working_days` working days before an
on-site visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from aftercare_platform.calendar.business import Calendar
from aftercare_platform.calendar.working_days import (
    add_working_days,
    china_working_days,
    is_working_day,
    next_working_day,
    previous_working_day,
)
from dateutil.rrule import rrulestr

from inspection.domain.plans import Anchoring, HolidayPolicy, Plan

FIRST_WEEK_DAYS = 7


@dataclass(frozen=True)
class Occurrence:
    nominal: date  # the day the rule gives
    scheduled: date  # the working day the visit is on
    moved: str = ""  # why it differs from the nominal day, if it does


def plan_calendar(plan: Plan) -> Calendar:
    if plan.calendar == "24x7":
        return Calendar.always_open(name="24x7", time_zone=plan.time_zone)
    return china_working_days(plan.time_zone)


def place(calendar: Calendar, nominal: date, policy: HolidayPolicy) -> Occurrence | None:
    """The working day a nominal day lands on; None when the policy skips a day that is not worked."""
    if is_working_day(calendar, nominal):
        return Occurrence(nominal, nominal)
    kind = calendar.day_kind(nominal)
    if policy is HolidayPolicy.SKIP:
        return None
    moved = next_working_day(calendar, nominal) if policy is HolidayPolicy.NEXT else \
        previous_working_day(calendar, nominal)
    return Occurrence(nominal, moved, f"{nominal} is a day off ({kind}): moved to the {policy.value} working day")


def first_week_of(calendar: Calendar, month_start: date) -> Occurrence:
    """The first working day of a month's first week (or the first one after it, when a holiday
    week such as National Day takes the whole week)."""
    day = next_working_day(calendar, month_start)
    moved = "" if day == month_start else f"the first working day of the month's first week ({day})"
    if (day - month_start).days >= FIRST_WEEK_DAYS:
        moved = f"no working day in the first week of {month_start:%Y-%m}: the first one after it"
    return Occurrence(month_start, day, moved)


def last_day_of_first_week(calendar: Calendar, month_start: date) -> date:
    """The monthly report's due day: the last working day of the next month's first week."""
    last = previous_working_day(calendar, month_start + timedelta(days=FIRST_WEEK_DAYS - 1))
    return last if last >= month_start else next_working_day(calendar, month_start)


def _nominal_days(rule: str, dtstart: date, until: date) -> list[date]:
    recurrence = rrulestr(f"RRULE:{rule}", dtstart=datetime.combine(dtstart, time()))
    return [moment.date() for moment in recurrence.between(datetime.combine(dtstart, time()),
                                                            datetime.combine(until, time()), inc=True)]


def _placed(plan: Plan, calendar: Calendar, nominal: date) -> Occurrence | None:
    if plan.first_week:
        return first_week_of(calendar, nominal)
    return place(calendar, nominal, plan.holiday_policy)


def fixed_occurrences(plan: Plan, calendar: Calendar, start: date, until: date) -> list[Occurrence]:
    """Every occurrence of a fixed plan whose working day lies in [start, until] (its end respected)."""
    last = min(until, plan.ends_on) if plan.ends_on else until
    found: list[Occurrence] = []
    # a nominal day a little after `until` may move back into the window (policy "previous")
    for nominal in _nominal_days(plan.rule, plan.starts_on, last + timedelta(days=FIRST_WEEK_DAYS + 14)):
        occurrence = _placed(plan, calendar, nominal)
        if occurrence is not None and start <= occurrence.scheduled <= last and occurrence.scheduled >= plan.starts_on:
            found.append(occurrence)
    return found


def floating_next(plan: Plan, calendar: Calendar, last_done: date | None) -> Occurrence | None:
    """A floating plan's next occurrence: its start first, then one period after the last one done."""
    if last_done is None:
        nominal: date | None = plan.starts_on
    else:
        after = [day for day in _nominal_days(plan.rule, last_done, last_done + timedelta(days=800)) if day > last_done]
        nominal = after[0] if after else None
    while nominal is not None and (plan.ends_on is None or nominal <= plan.ends_on):
        occurrence = _placed(plan, calendar, nominal)
        if occurrence is not None:
            return occurrence
        later = [day for day in _nominal_days(plan.rule, nominal, nominal + timedelta(days=800)) if day > nominal]
        nominal = later[0] if later else None  # a skipped day: the period after it
    return None


def upcoming(plan: Plan, calendar: Calendar, today: date, last_done: date | None) -> list[Occurrence]:
    """What should be scheduled now: a horizon of a fixed plan, the next one of a floating plan."""
    if plan.anchoring is Anchoring.FLOATING:
        following = floating_next(plan, calendar, last_done)
        return [following] if following is not None else []
    return fixed_occurrences(plan, calendar, today, today + timedelta(days=plan.horizon_days))


def notice_day(calendar: Calendar, scheduled: date, working_days: int) -> date:
    """The day the customer must be told of an on-site visit: N working days before it."""
    return add_working_days(calendar, scheduled, -working_days) if working_days else scheduled
