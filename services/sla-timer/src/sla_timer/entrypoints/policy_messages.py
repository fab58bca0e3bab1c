"""Policies and calendars between their proto messages and the YAML document form the domain reads.

A message becomes a document (the loader validates it and names every bad field); the loader's
field paths (`policies.<name>.targets.P1.FIRST_RESPONSE.calendar`) are then said as request paths
(`policy.targets[0].calendar`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aftercare.sla.v1 import sla_pb2
from aftercare_platform.calendar import WEEKDAYS, Calendar
from aftercare_platform.errors import DomainError, FieldViolation, InvalidArgument

from sla_timer.adapters.proto_vocabulary import (
    CLOCK_KINDS,
    PRIORITIES,
    action_document,
    action_message,
    duration,
)
from sla_timer.domain.durations import format_duration
from sla_timer.domain.policy import ClockTarget, Policy, WarningRule
from sla_timer.domain.vocabulary import ClockKind, Priority

# Weekday MONDAY..SUNDAY (numbers 1..7) <-> the calendar YAML's mon..sun
_DAYS = {v.number: short for v, short in zip(sla_pb2.Weekday.DESCRIPTOR.values[1:], WEEKDAYS, strict=True)}
_DAY_VALUES = {short: value for value, short in _DAYS.items()}


# ---- domain -> messages --------------------------------------------------------------------


def _warning_message(rule: WarningRule) -> sla_pb2.WarningRule:
    message = sla_pb2.WarningRule(actions=[action_message(a) for a in rule.actions])
    if rule.after is not None:
        message.after.FromTimedelta(rule.after)
    elif rule.percent is not None:
        message.percent = float(rule.percent)
    return message


def _target_message(priority: Priority, kind: ClockKind, target: ClockTarget) -> sla_pb2.ClockTarget:
    message = sla_pb2.ClockTarget(
        priority=PRIORITIES.number(priority),  # type: ignore[arg-type]
        clock_kind=CLOCK_KINDS.number(kind),  # type: ignore[arg-type]
        target=duration(target.target),
        calendar=target.calendar,
        warnings=[_warning_message(w) for w in target.warnings],
        breach_actions=[action_message(a) for a in target.breach_actions],
        office_hours_calendar=target.office_hours or "",
        off_hours_calendar=target.off_hours_calendar or "",
    )
    if target.off_hours_target is not None:
        message.off_hours_target.CopyFrom(duration(target.off_hours_target))
    return message


def policy_message(policy: Policy, *, is_default: bool) -> sla_pb2.Policy:
    return sla_pb2.Policy(
        name=policy.name,
        description=policy.description,
        is_default=is_default,
        honours_customer_severity=policy.honours_customer_severity,
        honours_requested_response=policy.honours_requested_response,
        customer_reply_resumes=policy.customer_reply_resumes,
        reopen_window_days=policy.reopen_window_days,
        targets=[
            _target_message(priority, kind, target)
            for priority, kind, target in policy.rows()
        ],
    )


def calendar_message(calendar: Calendar) -> sla_pb2.Calendar:
    message = sla_pb2.Calendar(
        name=calendar.name,
        time_zone=calendar.time_zone,
        description=calendar.description,
        weekly=[
            sla_pb2.DayWindows(day=_DAY_VALUES[day], windows=[str(w) for w in windows])  # type: ignore[arg-type]
            for day, windows in zip(WEEKDAYS, calendar.weekly, strict=True)
            if windows
        ],
        public_holidays=calendar.public_holidays or "",
        extra_holidays=[d.isoformat() for d in sorted(calendar.extra_holidays)],
        extra_working_days=[d.isoformat() for d in sorted(calendar.extra_working_days)],
    )
    if calendar.swapped_workday_windows is not None:
        message.swapped_workday_windows.windows.extend(str(w) for w in calendar.swapped_workday_windows)
    return message


# ---- messages -> documents -------------------------------------------------------------------


def _duration_text(message: Any, field: str) -> str:
    value: timedelta = message.ToTimedelta()
    if value <= timedelta(0) or value.microseconds:
        raise InvalidArgument.for_field(field, "must be a positive whole number of seconds")
    return format_duration(value)


def _arrival_document(row: sla_pb2.ClockTarget, here: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row.office_hours_calendar:
        out["office_hours_calendar"] = row.office_hours_calendar
    if row.HasField("off_hours_target"):
        out["off_hours_target"] = _duration_text(row.off_hours_target, f"{here}.off_hours_target")
    if row.off_hours_calendar:
        out["off_hours_calendar"] = row.off_hours_calendar
    return out


def policy_document(message: sla_pb2.Policy) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
    """(name, the policy's YAML document, the (priority, kind) of each request target in order)."""
    name = message.name.strip()
    if not name:
        raise InvalidArgument.for_field("policy.name", "is required")
    targets: dict[str, dict[str, Any]] = {}
    order: list[tuple[str, str]] = []
    for index, row in enumerate(message.targets):
        here = f"policy.targets[{index}]"
        priority = PRIORITIES.member(row.priority, f"{here}.priority").value
        kind = CLOCK_KINDS.member(row.clock_kind, f"{here}.clock_kind").value
        if kind in targets.get(priority, {}):
            first = order.index((priority, kind))
            raise InvalidArgument.for_field(here, f"{priority} {kind} is already given by policy.targets[{first}]")
        if not row.HasField("target"):
            raise InvalidArgument.for_field(f"{here}.target", "is required")
        warnings = []
        for w_index, warning in enumerate(row.warnings):
            w_here = f"{here}.warnings[{w_index}]"
            when = warning.WhichOneof("when")
            doc: dict[str, Any] = (
                {"after": _duration_text(warning.after, f"{w_here}.after")}
                if when == "after"
                else {"percent": warning.percent}
                if when == "percent"
                else {}
            )
            doc["actions"] = [action_document(a, f"{w_here}.actions[{i}]") for i, a in enumerate(warning.actions)]
            warnings.append(doc)
        targets.setdefault(priority, {})[kind] = {
            "target": _duration_text(row.target, f"{here}.target"),
            "calendar": row.calendar,
            "warnings": warnings,
            "breach_actions": [
                action_document(a, f"{here}.breach_actions[{i}]") for i, a in enumerate(row.breach_actions)
            ],
            **_arrival_document(row, here),
        }
        order.append((priority, kind))
    document: dict[str, Any] = {"targets": targets}
    if message.description:
        document["description"] = message.description
    if message.honours_customer_severity:
        document["honours_customer_severity"] = True
    if message.honours_requested_response:
        document["honours_requested_response"] = True
    # absent: the policy's defaults (on, 14 days); the loader checks the window's bounds
    if message.HasField("customer_reply_resumes"):
        document["customer_reply_resumes"] = message.customer_reply_resumes
    if message.HasField("reopen_window_days"):
        document["reopen_window_days"] = message.reopen_window_days
    return name, document, order


def calendar_document(message: sla_pb2.Calendar) -> tuple[str, dict[str, Any]]:
    name = message.name.strip()
    if not name:
        raise InvalidArgument.for_field("calendar.name", "is required")
    weekly: dict[str, list[str]] = {}
    for index, day in enumerate(message.weekly):
        short = _DAYS.get(day.day)
        if short is None:
            raise InvalidArgument.for_field(f"calendar.weekly[{index}].day", "must be a weekday")
        if short in weekly:
            raise InvalidArgument.for_field(f"calendar.weekly[{index}].day", f"{short} is given twice")
        weekly[short] = list(day.windows)
    document: dict[str, Any] = {"time_zone": message.time_zone, "weekly": weekly}
    if message.description:
        document["description"] = message.description
    if message.public_holidays:
        document["public_holidays"] = message.public_holidays
    if message.HasField("swapped_workday_windows"):
        document["swapped_workday_windows"] = list(message.swapped_workday_windows.windows)
    document["extra_holidays"] = list(message.extra_holidays)
    document["extra_working_days"] = list(message.extra_working_days)
    return name, document


# ---- loader field paths -> request field paths ---------------------------------------------------


def restate_policy_error(error: DomainError, name: str, order: list[tuple[str, str]]) -> DomainError:
    """The loader's field paths about policy `name` said as paths in a PutPolicy request."""
    row = re.compile(rf"^policies\.{re.escape(name)}\.targets\.(P\d)\.([A-Z_]+)(.*)$")
    whole = f"policies.{name}"

    def restate(path: str) -> str:
        found = row.match(path)
        if found and (found[1], found[2]) in order:
            return f"policy.targets[{order.index((found[1], found[2]))}]{found[3]}"
        return "policy" + path[len(whole) :] if path.startswith(whole) else path

    return _restated(error, restate)


def restate_calendar_error(error: DomainError, name: str) -> DomainError:
    whole = f"calendars.{name}"
    return _restated(error, lambda path: "calendar" + path[len(whole) :] if path.startswith(whole) else path)


def _restated(error: DomainError, restate: Any) -> DomainError:
    if not isinstance(error, InvalidArgument) or not error.violations:
        return error
    violations = [FieldViolation(restate(v.field), v.description) for v in error.violations]
    summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
    return InvalidArgument(f"invalid: {summary}", violations=violations)
