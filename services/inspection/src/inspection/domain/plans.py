"""Inspection plans: what a contract promises to patrol, how often, and how a holiday moves a visit.

A plan belongs to one company's contract, site and asset group. Its recurrence is an RFC 5545 rule
(a preset or written out); `fixed` plans recur from their start, `floating` ones from the day the
last inspection was done. Working days are the plan's calendar's (Chinese holidays and swapped
weekends by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftercare_platform.errors import InvalidArgument
from dateutil.rrule import rrulestr


class HolidayPolicy(StrEnum):
    NEXT = "next"  # moved to the next working day
    PREVIOUS = "previous"  # moved to the working day before
    SKIP = "skip"  # that occurrence is dropped


class Anchoring(StrEnum):
    FIXED = "fixed"  # every period from the plan's start
    FLOATING = "floating"  # one period after the last one was done


class Mode(StrEnum):
    REMOTE = "remote"
    ON_SITE = "on_site"


class ReportDue(StrEnum):
    AFTER_VISIT = "after_visit"  # N working days after the inspection
    FIRST_WEEK_NEXT_MONTH = "first_week_next_month"  # the monthly report: within the next month's first week


# presets, as RFC 5545 rules; "first week of the next month" recurs monthly on the 1st, and the
# schedule moves it to that week's first working day
PRESETS: dict[str, str] = {
    "monthly": "FREQ=MONTHLY;INTERVAL=1",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "half_yearly": "FREQ=MONTHLY;INTERVAL=6",
    "yearly": "FREQ=YEARLY;INTERVAL=1",
    "first_week_next_month": "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1",
}
DEFAULT_NOTICE_WORKING_DAYS = 15
DEFAULT_REPORT_WORKING_DAYS = 3
CALENDARS = ("CN", "24x7")


@dataclass(frozen=True)
class Plan:
    id: str
    company_id: str
    contract_id: str
    site_id: str
    asset_group: str
    region: str
    title: str
    rule: str  # RFC 5545 RRULE body, no DTSTART
    starts_on: date
    anchoring: Anchoring = Anchoring.FIXED
    holiday_policy: HolidayPolicy = HolidayPolicy.NEXT
    mode: Mode = Mode.ON_SITE
    checklist_id: str = ""
    notice_working_days: int = DEFAULT_NOTICE_WORKING_DAYS
    report_working_days: int = DEFAULT_REPORT_WORKING_DAYS
    report_due: ReportDue = ReportDue.AFTER_VISIT
    horizon_days: int = 120
    ends_on: date | None = None
    time_zone: str = "Asia/Shanghai"
    calendar: str = "CN"  # "CN": Chinese working days; "24x7": every day is worked
    active: bool = True
    # set by an urgent problem: the next visit is brought forward to this day
    forward_to: date | None = None

    @property
    def first_week(self) -> bool:
        return self.rule == PRESETS["first_week_next_month"]


def rule_for(preset: str, rule: str) -> str:
    """The plan's rule from a preset name or an RRULE body (exactly one of them)."""
    if preset and rule:
        raise InvalidArgument.for_field("rule", "give a preset or a rule, not both")
    if preset:
        if preset not in PRESETS:
            raise InvalidArgument.for_field("preset", f"unknown preset {preset!r}; one of {sorted(PRESETS)}")
        return PRESETS[preset]
    if not rule.strip():
        raise InvalidArgument.for_field("rule", "a recurrence is required: a preset or an RFC 5545 RRULE")
    body = rule.strip().removeprefix("RRULE:")
    if "DTSTART" in body.upper() or "\n" in body:
        raise InvalidArgument.for_field("rule", "one RRULE line without DTSTART (the plan's start is its DTSTART)")
    try:
        rrulestr(f"RRULE:{body}", dtstart=date(2026, 1, 1))
    except (ValueError, TypeError) as exc:
        raise InvalidArgument.for_field("rule", f"not an RFC 5545 rule: {exc}") from None
    return body


def validate(plan: Plan) -> Plan:
    for name in ("company_id", "contract_id", "site_id", "region"):
        if not getattr(plan, name).strip():
            raise InvalidArgument.for_field(name, "required")
    if not plan.title.strip():
        raise InvalidArgument.for_field("title", "say what the plan inspects")
    if not 0 <= plan.notice_working_days <= 60:
        raise InvalidArgument.for_field("notice_working_days", "0 to 60 working days")
    if not 0 <= plan.report_working_days <= 30:
        raise InvalidArgument.for_field("report_working_days", "0 to 30 working days")
    if not 1 <= plan.horizon_days <= 731:
        raise InvalidArgument.for_field("horizon_days", "1 to 731 days")
    if plan.ends_on is not None and plan.ends_on < plan.starts_on:
        raise InvalidArgument.for_field("ends_on", "before the plan starts")
    try:
        ZoneInfo(plan.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument.for_field("time_zone", f"not an IANA time zone: {plan.time_zone!r}") from None
    if plan.calendar not in CALENDARS:
        raise InvalidArgument.for_field("calendar", f"one of {list(CALENDARS)}")
    return plan
