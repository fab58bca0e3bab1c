"""YAML import and export of calendars and policies.

A document is a mapping with any of `calendars`, `policies` and `default_policy`;
several documents (e.g. calendars.yaml and policies.yaml) merge into one policy set.
A policy may give `defaults` (calendar, warnings, breach_actions) its rows inherit;
export always writes every row in full, so export -> import gives back an equal set.
Every error is an InvalidArgument whose violations name the offending field.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from aftercare_platform.calendar import WEEKDAYS, Calendar, Window
from aftercare_platform.errors import FieldViolation, InvalidArgument
from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, model_validator

from sla_timer.domain.durations import format_duration, parse_duration
from sla_timer.domain.policy import (
    DEFAULT_POLICY,
    REOPEN_WINDOW_DAYS_DEFAULT,
    Action,
    ClockTarget,
    Policy,
    PolicySet,
    WarningRule,
)
from sla_timer.domain.validation import raise_if_any
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

DurationText = Annotated[timedelta, PlainValidator(lambda v: v if isinstance(v, timedelta) else parse_duration(v))]
WindowText = Annotated[Window, PlainValidator(lambda v: v if isinstance(v, Window) else Window.parse(v))]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarDoc(_Doc):
    time_zone: str
    description: str = ""
    weekly: dict[Weekday, list[WindowText]] = {}
    public_holidays: str | None = None
    swapped_workday_windows: list[WindowText] | None = None
    extra_holidays: list[date] = []
    extra_working_days: list[date] = []


class ActionDoc(_Doc):
    type: ActionKind
    roles: list[Role] = []
    channels: list[Channel] = []
    tiers: int | None = None


class WarningDoc(_Doc):
    after: DurationText | None = None
    percent: Decimal | None = None
    actions: list[ActionDoc] = []

    @model_validator(mode="after")
    def _one_of(self) -> WarningDoc:
        if (self.after is None) == (self.percent is None):
            raise ValueError("a warning needs exactly one of 'after' (e.g. 30m) or 'percent' (e.g. 50)")
        return self


class TargetDoc(_Doc):
    target: DurationText
    calendar: str | None = None
    warnings: list[WarningDoc] | None = None
    breach_actions: list[ActionDoc] | None = None
    # arrival-dependent: `target` when the case arrives within this calendar's working time...
    office_hours_calendar: str | None = None
    # ... this one otherwise (on `off_hours_calendar`, default `calendar`)
    off_hours_target: DurationText | None = None
    off_hours_calendar: str | None = None


class PolicyDefaultsDoc(_Doc):
    calendar: str | None = None
    warnings: list[WarningDoc] = []
    breach_actions: list[ActionDoc] = []


class PolicyDoc(_Doc):
    description: str = ""
    honours_customer_severity: bool = False
    honours_requested_response: bool = False
    customer_reply_resumes: bool = True
    reopen_window_days: int = REOPEN_WINDOW_DAYS_DEFAULT
    defaults: PolicyDefaultsDoc = PolicyDefaultsDoc()
    targets: dict[Priority, dict[ClockKind, TargetDoc]]


class PolicySetDoc(_Doc):
    default_policy: str | None = None
    calendars: dict[str, CalendarDoc] = {}
    policies: dict[str, PolicyDoc] = {}


# ---- documents -> domain -------------------------------------------------------------------


def _action(doc: ActionDoc) -> Action:
    tiers = doc.tiers if doc.tiers is not None else (1 if doc.type is ActionKind.ESCALATE else 0)
    return Action(doc.type, roles=tuple(doc.roles), channels=tuple(doc.channels), tiers=tiers)


def _warning(doc: WarningDoc) -> WarningRule:
    return WarningRule(after=doc.after, percent=doc.percent, actions=tuple(_action(a) for a in doc.actions))


def _calendar(name: str, doc: CalendarDoc) -> Calendar:
    return Calendar(
        name=name,
        time_zone=doc.time_zone,
        description=doc.description,
        weekly=tuple(tuple(doc.weekly.get(day, [])) for day in WEEKDAYS),  # type: ignore[call-overload]
        public_holidays=doc.public_holidays,
        swapped_workday_windows=(None if doc.swapped_workday_windows is None else tuple(doc.swapped_workday_windows)),
        extra_holidays=frozenset(doc.extra_holidays),
        extra_working_days=frozenset(doc.extra_working_days),
    )


def _policy(name: str, doc: PolicyDoc) -> tuple[Policy, list[FieldViolation]]:
    missing: list[FieldViolation] = []
    targets: dict[Priority, dict[ClockKind, ClockTarget]] = {}
    for priority, row in doc.targets.items():
        for kind, cell in row.items():
            calendar = cell.calendar or doc.defaults.calendar
            if calendar is None:
                path = f"policies.{name}.targets.{priority}.{kind}.calendar"
                missing.append(FieldViolation(path, "no calendar here nor in the policy's defaults"))
                continue
            warnings = doc.defaults.warnings if cell.warnings is None else cell.warnings
            actions = doc.defaults.breach_actions if cell.breach_actions is None else cell.breach_actions
            targets.setdefault(priority, {})[kind] = ClockTarget(
                target=cell.target,
                calendar=calendar,
                warnings=tuple(_warning(w) for w in warnings),
                breach_actions=tuple(_action(a) for a in actions),
                office_hours=cell.office_hours_calendar,
                off_hours_target=cell.off_hours_target,
                off_hours_calendar=cell.off_hours_calendar,
            )
    policy = Policy(
        name=name,
        targets=targets,
        description=doc.description,
        honours_customer_severity=doc.honours_customer_severity,
        honours_requested_response=doc.honours_requested_response,
        customer_reply_resumes=doc.customer_reply_resumes,
        reopen_window_days=doc.reopen_window_days,
    )
    return policy, missing


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "document"


def _parse(text: str, source: str) -> PolicySetDoc:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidArgument.for_field(source, f"not valid YAML: {error}") from None
    try:
        return PolicySetDoc.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        violations = [FieldViolation(_field_path(e["loc"]), e["msg"]) for e in error.errors()]
        raise_if_any(violations, source)
        raise  # unreachable: there is at least one error


def load_policy_set(*documents: str, source: str = "yaml", validate: bool = True) -> PolicySet:
    """Merge YAML documents into one policy set and validate it (every problem named by field)."""
    calendars: dict[str, Calendar] = {}
    policies: dict[str, Policy] = {}
    default_policy = DEFAULT_POLICY
    violations: list[FieldViolation] = []
    for text in documents:
        doc = _parse(text, source)
        default_policy = doc.default_policy or default_policy
        calendars.update({name: _calendar(name, cal) for name, cal in doc.calendars.items()})
        for name, policy_doc in doc.policies.items():
            policies[name], missing = _policy(name, policy_doc)
            violations.extend(missing)
    raise_if_any(violations, source)
    policy_set = PolicySet(calendars=calendars, policies=policies, default_policy=default_policy, source=source)
    return policy_set.validate() if validate else policy_set


def load_calendars(text: str, source: str = "yaml") -> dict[str, Calendar]:
    """Only the calendars of a document (validated one by one)."""
    from sla_timer.domain.validation import calendar_violations

    doc = _parse(text, source)
    calendars = {name: _calendar(name, cal) for name, cal in doc.calendars.items()}
    raise_if_any([v for c in calendars.values() for v in calendar_violations(c)], source)
    return calendars


# ---- domain -> documents -------------------------------------------------------------------


def _percent_out(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def action_to_dict(action: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"type": action.kind.value}
    if action.roles:
        out["roles"] = [r.value for r in action.roles]
    if action.channels:
        out["channels"] = [c.value for c in action.channels]
    if action.kind is ActionKind.ESCALATE or action.tiers:
        out["tiers"] = action.tiers
    return out


def target_to_dict(target: ClockTarget) -> dict[str, Any]:
    warnings = []
    for w in target.warnings:
        when: dict[str, Any] = (
            {"after": format_duration(w.after)} if w.after is not None else {"percent": _percent_out(w.percent)}  # type: ignore[arg-type]
        )
        warnings.append({**when, "actions": [action_to_dict(a) for a in w.actions]})
    out = {
        "target": format_duration(target.target),
        "calendar": target.calendar,
        "warnings": warnings,
        "breach_actions": [action_to_dict(a) for a in target.breach_actions],
    }
    if target.office_hours is not None:
        out["office_hours_calendar"] = target.office_hours
    if target.off_hours_target is not None:
        out["off_hours_target"] = format_duration(target.off_hours_target)
    if target.off_hours_calendar is not None:
        out["off_hours_calendar"] = target.off_hours_calendar
    return out


def target_from_dict(data: dict[str, Any]) -> ClockTarget:
    doc = TargetDoc.model_validate(data)
    return ClockTarget(
        target=doc.target,
        calendar=doc.calendar or "",
        warnings=tuple(_warning(w) for w in doc.warnings or []),
        breach_actions=tuple(_action(a) for a in doc.breach_actions or []),
        office_hours=doc.office_hours_calendar,
        off_hours_target=doc.off_hours_target,
        off_hours_calendar=doc.off_hours_calendar,
    )


def calendar_to_dict(calendar: Calendar) -> dict[str, Any]:
    out: dict[str, Any] = {"time_zone": calendar.time_zone}
    if calendar.description:
        out["description"] = calendar.description
    out["weekly"] = {day: [str(w) for w in windows] for day, windows in zip(WEEKDAYS, calendar.weekly, strict=True)}
    if calendar.public_holidays is not None:
        out["public_holidays"] = calendar.public_holidays
    if calendar.swapped_workday_windows is not None:
        out["swapped_workday_windows"] = [str(w) for w in calendar.swapped_workday_windows]
    out["extra_holidays"] = sorted(calendar.extra_holidays)
    out["extra_working_days"] = sorted(calendar.extra_working_days)
    return out


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    targets: dict[str, dict[str, Any]] = {}
    for priority, kind, target in policy.rows():
        targets.setdefault(priority.value, {})[kind.value] = target_to_dict(target)
    out: dict[str, Any] = {"description": policy.description} if policy.description else {}
    if policy.honours_customer_severity:
        out["honours_customer_severity"] = True
    if policy.honours_requested_response:
        out["honours_requested_response"] = True
    # written only when not the default, so a policy stored before these settings reads the same
    if not policy.customer_reply_resumes:
        out["customer_reply_resumes"] = False
    if policy.reopen_window_days != REOPEN_WINDOW_DAYS_DEFAULT:
        out["reopen_window_days"] = policy.reopen_window_days
    out["targets"] = targets
    return out


def dump_policy_set(policy_set: PolicySet, *, calendars: bool = True, policies: bool = True) -> str:
    """The set as one YAML document (or only its calendars / only its policies)."""
    doc: dict[str, Any] = {}
    if policies:
        doc["default_policy"] = policy_set.default_policy
    if calendars:
        doc["calendars"] = {name: calendar_to_dict(c) for name, c in policy_set.calendars.items()}
    if policies:
        doc["policies"] = {name: policy_to_dict(p) for name, p in policy_set.policies.items()}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
