"""Validation of calendars and policies; every problem names the field it is about."""

from __future__ import annotations

from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftercare_platform.calendar import SUPPORTED_COUNTRIES, WEEKDAYS, Calendar, Window, is_supported_country
from aftercare_platform.errors import FieldViolation, InvalidArgument

from sla_timer.domain.policy import REOPEN_WINDOW_DAYS_MAX, Action, ClockTarget, PolicySet
from sla_timer.domain.vocabulary import ActionKind


def _window_violations(path: str, windows: tuple[Window, ...]) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    for index, window in enumerate(windows):
        problem = window.problem()
        if problem:
            found.append(FieldViolation(f"{path}[{index}]", problem))
    ordered = sorted(enumerate(windows), key=lambda pair: pair[1])
    for (_, before), (index, after) in pairwise(ordered):
        if after.start < before.end:
            found.append(FieldViolation(f"{path}[{index}]", f"{after} overlaps {before}"))
    return found


def calendar_violations(calendar: Calendar, prefix: str = "") -> list[FieldViolation]:
    path = prefix or f"calendars.{calendar.name}"
    found: list[FieldViolation] = []
    if not calendar.name.strip():
        found.append(FieldViolation(f"{path}.name", "must not be empty"))
    try:
        ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(FieldViolation(f"{path}.time_zone", f"unknown time zone {calendar.time_zone!r}"))
    if len(calendar.weekly) != 7:
        found.append(FieldViolation(f"{path}.weekly", "needs exactly 7 days, Monday first"))
        return found
    for day, windows in zip(WEEKDAYS, calendar.weekly, strict=True):
        found.extend(_window_violations(f"{path}.weekly.{day}", windows))
    if calendar.swapped_workday_windows is not None:
        found.extend(_window_violations(f"{path}.swapped_workday_windows", calendar.swapped_workday_windows))
    if calendar.public_holidays is not None and not is_supported_country(calendar.public_holidays):
        found.append(
            FieldViolation(
                f"{path}.public_holidays",
                f"no holiday data for {calendar.public_holidays!r}; supported: {sorted(SUPPORTED_COUNTRIES)}",
            )
        )
    both = sorted(calendar.extra_holidays & calendar.extra_working_days)
    if both:
        days = ", ".join(d.isoformat() for d in both)
        found.append(FieldViolation(f"{path}.extra_working_days", f"also listed as extra holidays: {days}"))
    if not calendar.can_ever_work:
        found.append(FieldViolation(f"{path}.weekly", "has no working time at all; no deadline could ever come"))
    return found


def _action_violations(path: str, actions: tuple[Action, ...]) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    for index, action in enumerate(actions):
        here = f"{path}[{index}]"
        if action.kind is ActionKind.NOTIFY:
            if not action.roles:
                found.append(FieldViolation(f"{here}.roles", "notify needs at least one role"))
            if not action.channels:
                found.append(FieldViolation(f"{here}.channels", "notify needs at least one channel"))
        elif action.kind is ActionKind.ESCALATE and action.tiers < 1:
            found.append(FieldViolation(f"{here}.tiers", "escalate needs at least one tier"))
    return found


def _arrival_violations(path: str, target: ClockTarget, calendar_names: set[str]) -> list[FieldViolation]:
    """An arrival-dependent target names its office hours and its off-hours target together."""
    found: list[FieldViolation] = []
    if (target.office_hours is None) != (target.off_hours_target is None):
        missing = "off_hours_target" if target.off_hours_target is None else "office_hours_calendar"
        found.append(FieldViolation(f"{path}.{missing}", "office_hours_calendar and off_hours_target go together"))
    if target.office_hours is not None and target.office_hours not in calendar_names:
        found.append(FieldViolation(f"{path}.office_hours_calendar", f"unknown calendar {target.office_hours!r}"))
    if target.off_hours_calendar is not None and target.off_hours_calendar not in calendar_names:
        found.append(FieldViolation(f"{path}.off_hours_calendar", f"unknown calendar {target.off_hours_calendar!r}"))
    if target.off_hours_target is not None and target.off_hours_target.total_seconds() <= 0:
        found.append(FieldViolation(f"{path}.off_hours_target", "must be positive"))
    return found


def target_violations(path: str, target: ClockTarget, calendar_names: set[str]) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    if target.target.total_seconds() <= 0:
        found.append(FieldViolation(f"{path}.target", f"must be positive, got {target.target}"))
    if target.calendar not in calendar_names:
        found.append(FieldViolation(f"{path}.calendar", f"unknown calendar {target.calendar!r}"))
    found.extend(_arrival_violations(path, target, calendar_names))
    previous = None
    for index, warning in enumerate(target.warnings):
        here = f"{path}.warnings[{index}]"
        if (warning.after is None) == (warning.percent is None):
            found.append(FieldViolation(here, "needs exactly one of 'after' or 'percent'"))
            continue
        if warning.percent is not None and not 0 < warning.percent < 100:
            found.append(FieldViolation(f"{here}.percent", f"must be between 0 and 100 %, got {warning.percent}"))
            continue
        offset = warning.offset(target.target)
        if offset.total_seconds() <= 0:
            found.append(FieldViolation(here, f"warning {warning.label} comes at or before the clock starts"))
        elif target.target.total_seconds() > 0 and offset >= target.target:
            found.append(FieldViolation(here, f"warning {warning.label} is at or after the deadline {target.target}"))
        elif previous is not None and offset <= previous:
            found.append(FieldViolation(here, f"warning {warning.label} is not after the warning before it"))
        previous = offset
        found.extend(_action_violations(f"{here}.actions", warning.actions))
    found.extend(_action_violations(f"{path}.breach_actions", target.breach_actions))
    return found


def policy_set_violations(policy_set: PolicySet) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    for name, calendar in policy_set.calendars.items():
        if calendar.name != name:
            found.append(FieldViolation(f"calendars.{name}.name", f"differs from its key ({calendar.name!r})"))
        found.extend(calendar_violations(calendar, f"calendars.{name}"))
    calendar_names = set(policy_set.calendars)
    for name, policy in policy_set.policies.items():
        if policy.name != name:
            found.append(FieldViolation(f"policies.{name}.name", f"differs from its key ({policy.name!r})"))
        if not policy.rows():
            found.append(FieldViolation(f"policies.{name}.targets", "promises nothing: no target at all"))
        if not 0 <= policy.reopen_window_days <= REOPEN_WINDOW_DAYS_MAX:
            found.append(FieldViolation(
                f"policies.{name}.reopen_window_days",
                f"must be 0 to {REOPEN_WINDOW_DAYS_MAX} days, got {policy.reopen_window_days}",
            ))
        for priority, kind, target in policy.rows():
            found.extend(target_violations(f"policies.{name}.targets.{priority}.{kind}", target, calendar_names))
    if policy_set.default_policy not in policy_set.policies:
        found.append(FieldViolation("default_policy", f"no policy named {policy_set.default_policy!r}"))
    return found


def raise_if_any(violations: list[FieldViolation], what: str) -> None:
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"{what} is invalid: {summary}", violations=violations)


def validate_policy_set(policy_set: PolicySet) -> None:
    raise_if_any(policy_set_violations(policy_set), "policy set")
