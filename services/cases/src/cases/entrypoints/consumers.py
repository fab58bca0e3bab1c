"""The events cases consumes: other services' facts, appended to the case's timeline.

`cases.sla-events` binds `sla.#`: each `aftercare.sla.<verb>.v1` becomes one timeline entry of kind
`sla.<verb>` (`sla.warning`, `sla.breached`, `sla.met`, `sla.breach_withdrawn`, `sla.met_withdrawn`:
a met whose stop did not hold, the customer having rejected the resolution), written by the
system actor `service:sla-timer`, in the consumer's unit of work so the inbox claim and the entry
commit together (a redelivered event is absorbed by the inbox: still one entry).

Decisions:
- The one rule of docs/customers-and-slas.md: a customer sees the targets, deadlines and met/breached
  per clock of its own cases, never the internal warnings, the actions or who was alerted. So
  `sla.met`, `sla.met_withdrawn`, `sla.breached` and `sla.breach_withdrawn` are PUBLIC entries without `actions` or
  `warnings_withdrawn`; `sla.warning` is INTERNAL (staff read it through GetTimeline/WatchCase).
- An event naming a case cases never had raises PermanentError: the message is parked on the dead
  letter queue at once (no retries), where an operator sees it. sla-timer starts clocks only from
  this service's own case events, so that is a broken contract or a foreign environment, never a
  race worth waiting for. A payload that does not parse is parked the same way.
- `aftercare.sla.policy_applied.v1` is no fact of the timeline's own: the case keeps the policy and its reply
  settings (what a customer's reply does, `domain/commands/replies.py`), with one internal entry
  `sla.policy_applied`; the same settings again change nothing.
- Another `aftercare.sla.*` type (one added later) is acknowledged and skipped with a log line.
- The entry's time is when cases recorded it (timeline order); the event's own time is
  `occurred_at` in the payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import events_pb2, sla_pb2
from aftercare_platform.bus.consumer import EventSubscription, PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts import EnumMap
from aftercare_platform.contracts.event_types import parse_data
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.errors import InvalidArgument
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from cases.command_batch import Fact, UnknownCase
from cases.domain.case import CasePolicy
from cases.domain.vocabulary import Visibility
from cases.entrypoints.notification_events import notification_events
from cases.entrypoints.survey_events import survey_events
from cases.handlers import CaseHandlers

log = logging.getLogger(__name__)

SLA_QUEUE = "cases.sla-events"
# not a timeline fact: the case's SLA policy and its reply settings, kept on the case (an internal entry)
POLICY_APPLIED = "aftercare.sla.policy_applied.v1"
SLA_BINDINGS = ["sla.#"]
SLA_SOURCE = "sla-timer"


@dataclass(frozen=True)
class FactType:
    kind: str
    details: Callable[[Any], dict[str, Any]]
    visibility: Visibility = Visibility.INTERNAL


def _seconds(duration: Duration) -> int:
    return int(duration.seconds)


def _instant(stamp: Timestamp) -> str | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC).isoformat(timespec="microseconds")


CLOCK_KINDS = EnumMap.words(sla_pb2.ClockKind)
ACTION_KINDS = EnumMap.words(sla_pb2.ActionKind)
ROLES = EnumMap.words(sla_pb2.NotifyRole)
CHANNELS = EnumMap.words(sla_pb2.NotifyChannel)
PRIORITIES = EnumMap.words(cases_pb2.Priority)


def _actions(actions: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for action in actions:
        item: dict[str, Any] = {"kind": ACTION_KINDS.spell(action.kind)}
        if action.roles:
            item["roles"] = [ROLES.spell(r) for r in action.roles]
        if action.channels:
            item["channels"] = [CHANNELS.spell(c) for c in action.channels]
        if action.tiers:
            item["tiers"] = int(action.tiers)
        out.append(item)
    return out


def _clock(message: Any) -> dict[str, Any]:
    """Fields 1-14, the description of the clock every SLA payload starts with."""
    return {
        "clock_kind": CLOCK_KINDS.spell(message.clock_kind),
        "priority": PRIORITIES.spell(message.priority),
        "policy": message.policy or None,
        "cycle": int(message.cycle),
        "target_seconds": _seconds(message.target),
        "calendar": message.calendar or None,
        "deadline": _instant(message.deadline),
        "business_elapsed_seconds": _seconds(message.business_elapsed),
        "occurred_at": _instant(message.occurred_at),
    }


def _warning(m: events_pb2.SlaWarning) -> dict[str, Any]:
    return {
        "warning_index": int(m.warning_index),
        "warning_label": m.warning_label or None,
        "warning_offset_seconds": _seconds(m.warning_offset),
        "due_time": _instant(m.due_time),
        "actions": _actions(m.actions),
    }


def _breached(m: events_pb2.SlaBreached) -> dict[str, Any]:
    # customer-visible: the breach, not who was alerted (its actions stay with sla-timer and notify)
    return {"due_time": _instant(m.due_time), "found_on_stop": m.found_on_stop}


def _met(m: events_pb2.SlaMet) -> dict[str, Any]:
    return {
        "started_time": _instant(m.started_time),
        "stopped_time": _instant(m.stopped_time),
        "reason": m.reason or None,
    }


def _withdrawn(m: events_pb2.SlaBreachWithdrawn) -> dict[str, Any]:
    return {"due_time": _instant(m.due_time), "fired_time": _instant(m.fired_time), "reason": m.reason or None}


def _met_withdrawn(m: events_pb2.SlaMetWithdrawn) -> dict[str, Any]:
    return {
        "started_time": _instant(m.started_time),
        "stopped_time": _instant(m.stopped_time),
        "met_reason": m.met_reason or None,
        "reason": m.reason or None,
    }


SLA_FACTS: dict[str, FactType] = {
    "aftercare.sla.warning.v1": FactType("sla.warning", _warning),
    "aftercare.sla.breached.v1": FactType("sla.breached", _breached, Visibility.PUBLIC),
    "aftercare.sla.met.v1": FactType("sla.met", _met, Visibility.PUBLIC),
    "aftercare.sla.breach_withdrawn.v1": FactType("sla.breach_withdrawn", _withdrawn, Visibility.PUBLIC),
    "aftercare.sla.met_withdrawn.v1": FactType("sla.met_withdrawn", _met_withdrawn, Visibility.PUBLIC),
}


def sla_fact_payload(event: CloudEvent, fact: FactType) -> tuple[str, dict[str, Any]]:
    """The case id and the entry payload of an SLA event; PermanentError when it does not parse."""
    try:
        message: Any = parse_data(event)
    except InvalidArgument as bad:
        raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad
    case_id = message.case_id or event.subject
    if not case_id:
        raise PermanentError(f"{event.type} {event.id} names no case")
    payload = {**_clock(message), **fact.details(message), "event_id": event.id}
    return case_id, {k: v for k, v in payload.items() if v is not None}


def applied_policy(event: CloudEvent) -> tuple[str, CasePolicy]:
    """The case id and the policy of an `aftercare.sla.policy_applied.v1`; PermanentError when it does not parse."""
    try:
        message: Any = parse_data(event)
    except InvalidArgument as bad:
        raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad
    case_id = message.case_id or event.subject
    if not case_id or not message.policy:
        raise PermanentError(f"{event.type} {event.id} names no case or no policy")
    window = timedelta(days=int(message.reopen_window_days))
    return case_id, CasePolicy(message.policy, bool(message.customer_reply_resumes), window)


def sla_events(handlers: CaseHandlers) -> EventSubscription:
    async def record(uow: UnitOfWork, facts: list[Fact]) -> None:
        try:
            await handlers.record_facts(uow, facts)
        except UnknownCase as unknown:  # alone, as a window fails, the event naming it is parked
            raise PermanentError(f"{unknown.fact.payload.get('event_id')}: {unknown}") from unknown
        facts.clear()

    async def on_sla_events(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        """A window of sla-timer's events (a burst of breaches among them): its facts recorded together, a policy
        in its place among them."""
        facts: list[Fact] = []
        for event in events:
            if event.type == POLICY_APPLIED:
                await record(uow, facts)
                case_id, policy = applied_policy(event)
                if await handlers.apply_policy(uow, case_id, policy) is None:
                    raise PermanentError(f"{event.type} {event.id} names case {case_id}, which cases never had")
                continue
            fact = SLA_FACTS.get(event.type)
            if fact is None:
                log.info("skipping %s %s: not a fact the timeline records", event.type, event.id)
                continue
            case_id, payload = sla_fact_payload(event, fact)
            facts.append(Fact(case_id, SLA_SOURCE, fact.kind, payload, fact.visibility))
        await record(uow, facts)

    return EventSubscription(SLA_QUEUE, SLA_BINDINGS, window_handler=on_sla_events)


def subscriptions(handlers: CaseHandlers) -> list[EventSubscription]:
    return [sla_events(handlers), notification_events(handlers), survey_events(handlers)]
