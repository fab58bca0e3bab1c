"""The events sla-timer tells others: warning, breached, met, breach and met withdrawn (aftercare.sla.v1).

Payloads are written straight in the proto JSON mapping (camelCase names, enum names, RFC 3339 times,
"<n>s" durations, defaults left out): the firing loop emits thousands a second, and building the
messages then walking them with MessageToDict cost more than the rest of firing. A unit test holds
these dicts to the proto: parsed into the message and printed back, each comes out unchanged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sla_timer.adapters.proto_vocabulary import ACTION_KINDS, CHANNELS, CLOCK_KINDS, PRIORITIES, ROLES
from sla_timer.domain.clock_model import ClockStatus, Firing, SlaClock, Transition, warning_index
from sla_timer.domain.policy import Action
from sla_timer.domain.vocabulary import Role

WARNING = "aftercare.sla.warning.v1"
BREACHED = "aftercare.sla.breached.v1"
MET = "aftercare.sla.met.v1"
BREACH_WITHDRAWN = "aftercare.sla.breach_withdrawn.v1"
MET_WITHDRAWN = "aftercare.sla.met_withdrawn.v1"

Payload = dict[str, Any]
SlaEvent = tuple[str, Payload]


@dataclass(frozen=True)
class CaseRef:
    """What every SLA event says of the case besides the clock."""

    case_number: str
    region: str
    company_id: str
    # who holds the case ("" unassigned: the desk); facts count under it, "assignee" actions reach it
    assignee_id: str = ""


def json_time(instant: datetime) -> str:
    """google.protobuf.Timestamp in JSON: UTC, "Z", 0, 3 or 6 fractional digits."""
    utc = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    text = utc.replace(tzinfo=None).isoformat()
    micro = utc.microsecond
    return (text[:-3] if micro and micro % 1000 == 0 else text) + "Z"


def json_duration(value: timedelta) -> str:
    """google.protobuf.Duration in JSON: "<seconds>[.fraction]s" (whole microseconds here)."""
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    seconds, micro = divmod(abs(micros), 1_000_000)
    if not micro:
        return f"{sign}{seconds}s"
    fraction = f"{micro // 1000:03d}" if micro % 1000 == 0 else f"{micro:06d}"
    return f"{sign}{seconds}.{fraction}s"


@lru_cache(maxsize=1024)
def _actions(actions: tuple[Action, ...]) -> tuple[Payload, ...]:
    out = []
    for action in actions:
        item: Payload = {"kind": ACTION_KINDS.proto_name(action.kind)}
        if action.roles:
            item["roles"] = [ROLES.proto_name(r) for r in action.roles]
        if action.channels:
            item["channels"] = [CHANNELS.proto_name(c) for c in action.channels]
        if action.tiers:
            item["tiers"] = action.tiers
        out.append(item)
    return tuple(out)


@lru_cache(maxsize=1024)
def _to_the_desk(actions: tuple[Action, ...]) -> tuple[Action, ...]:
    """An unassigned case is held by the desk: "notify the assignee" addresses the desk, never nobody."""
    return tuple(
        replace(a, roles=tuple(dict.fromkeys(Role.DESK_AGENT if r is Role.ASSIGNEE else r for r in a.roles)))
        for a in actions
    )


def _actions_json(actions: tuple[Action, ...], case: CaseRef) -> list[Payload]:
    return [dict(a) for a in _actions(actions if case.assignee_id else _to_the_desk(actions))]


def _header(clock: SlaClock, case: CaseRef, *, at: datetime, elapsed: timedelta, deadline: datetime | None) -> Payload:
    target = clock.target if clock.revisions else None
    fields: Payload = {"caseId": clock.case_id}
    for name, value in (("caseNumber", case.case_number), ("region", case.region), ("companyId", case.company_id)):
        if value:
            fields[name] = value
    if clock.revisions:
        fields["priority"] = PRIORITIES.proto_name(clock.priority)
        fields["policy"] = clock.policy
    fields["clockKind"] = CLOCK_KINDS.proto_name(clock.kind)
    if clock.cycle:
        fields["cycle"] = clock.cycle
    if target is not None:
        fields["target"] = json_duration(target.target)
        fields["calendar"] = target.calendar
    if deadline is not None:
        fields["deadline"] = json_time(deadline)
    fields["businessElapsed"] = json_duration(elapsed)
    fields["occurredAt"] = json_time(at)
    return fields


def fired_events(
    before: SlaClock, firings: tuple[Firing, ...], case: CaseRef, *, found_on_stop: bool = False
) -> list[SlaEvent]:
    """One warning or breached event per firing, in due order."""
    target = before.target if before.revisions else None
    breach_due = next((f.due_at for f in firings if f.is_breach), None)
    deadline = before.deadline or breach_due
    events: list[SlaEvent] = []
    for firing in firings:
        if firing.is_breach:
            used = target.target if target is not None else timedelta(0)
            payload = _header(before, case, at=firing.fired_at, elapsed=used, deadline=deadline)
            payload["dueTime"] = json_time(firing.due_at)
            if firing.actions:
                payload["actions"] = _actions_json(firing.actions, case)
            if found_on_stop:
                payload["foundOnStop"] = True
            events.append((BREACHED, payload))
            continue
        index = warning_index(firing.item)
        offset = target.warnings[index].offset(target.target) if target is not None else timedelta(0)
        payload = _header(before, case, at=firing.fired_at, elapsed=offset, deadline=deadline)
        if index:
            payload["warningIndex"] = index
        payload["warningLabel"] = firing.label
        payload["warningOffset"] = json_duration(offset)
        payload["dueTime"] = json_time(firing.due_at)
        if firing.actions:
            payload["actions"] = _actions_json(firing.actions, case)
        events.append((WARNING, payload))
    return events


def transition_events(before: SlaClock | None, transition: Transition, case: CaseRef, now: datetime) -> list[SlaEvent]:
    """What a clock change driven by a case event announces: met, a breach found on a late stop, withdrawals."""
    clock = transition.clock
    events: list[SlaEvent] = []
    deadline = before.deadline if before is not None else None
    if transition.voided is ClockStatus.MET and before is not None:
        events.append((MET_WITHDRAWN, _met_withdrawn(before, transition, case)))
    for firing in transition.withdrawn:
        if firing.is_breach:
            used = clock.business_elapsed_at_stop or timedelta(0)
            payload = _header(clock, case, at=now, elapsed=used, deadline=deadline or firing.due_at)
            payload["dueTime"] = json_time(firing.due_at)
            payload["firedTime"] = json_time(firing.fired_at)
            if firing.withdrawn_reason:
                payload["reason"] = firing.withdrawn_reason
            events.append((BREACH_WITHDRAWN, payload))
    if transition.fired:
        events.extend(fired_events(clock, transition.fired, case, found_on_stop=True))
    if transition.verdict is ClockStatus.MET and clock.stopped_at is not None:
        used = transition.business_elapsed or timedelta(0)
        payload = _header(clock, case, at=clock.stopped_at, elapsed=used, deadline=deadline)
        payload["startedTime"] = json_time(clock.started_at)
        payload["stoppedTime"] = json_time(clock.stopped_at)
        if clock.stop_reason:
            payload["reason"] = clock.stop_reason
        withdrawn = sum(1 for f in transition.withdrawn if not f.is_breach)
        if withdrawn:
            payload["warningsWithdrawn"] = withdrawn
        events.append((MET, payload))
    return events


def _met_withdrawn(before: SlaClock, transition: Transition, case: CaseRef) -> Payload:
    """The met of `before` is void: its stop did not hold, the clock runs on (`transition.clock`)."""
    clock = transition.clock
    used = before.business_elapsed_at_stop or timedelta(0)
    payload = _header(clock, case, at=clock.last_transition_at, elapsed=used, deadline=clock.deadline)
    payload["startedTime"] = json_time(before.started_at)
    if before.stopped_at is not None:
        payload["stoppedTime"] = json_time(before.stopped_at)
    if before.stop_reason:
        payload["metReason"] = before.stop_reason
    if transition.voided_reason:
        payload["reason"] = transition.voided_reason
    return payload
