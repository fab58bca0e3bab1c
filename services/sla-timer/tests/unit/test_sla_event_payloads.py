"""The SLA event payloads, written by hand in the proto JSON mapping, are exactly what the proto says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare.sla.v1 import events_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from sla_timer.adapters.sla_events import (
    BREACH_WITHDRAWN,
    BREACHED,
    MET,
    MET_WITHDRAWN,
    WARNING,
    CaseRef,
    fired_events,
    json_duration,
    json_time,
    transition_events,
)
from sla_timer.domain.clock import fire_due, start_clock, stop_clock
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind, Priority

T0 = datetime(2026, 3, 9, 2, 0, 0, 123456, tzinfo=UTC)
MESSAGES: dict[str, type[Message]] = {
    WARNING: events_pb2.SlaWarning,
    BREACHED: events_pb2.SlaBreached,
    MET: events_pb2.SlaMet,
    BREACH_WITHDRAWN: events_pb2.SlaBreachWithdrawn,
    MET_WITHDRAWN: events_pb2.SlaMetWithdrawn,
}
CASE = CaseRef("EA-20260309-000001", "east", "company-a")


def _as_proto_prints_it(event_type: str, payload: dict[str, object]) -> None:
    message = json_format.ParseDict(payload, MESSAGES[event_type]())
    assert json_format.MessageToDict(message) == payload


@pytest.mark.parametrize("instant", [T0, T0.replace(microsecond=0), T0.replace(microsecond=250000)])
def test_times_and_durations_print_as_protobuf_prints_them(instant: datetime) -> None:
    from google.protobuf.duration_pb2 import Duration
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(instant)
    assert json_time(instant) == stamp.ToJsonString()
    span = Duration()
    delta = timedelta(seconds=90, microseconds=instant.microsecond)
    span.FromTimedelta(delta)
    assert json_duration(delta) == span.ToJsonString()


def test_every_sla_event_payload_is_its_proto_message_in_json(defaults: PolicySet) -> None:
    policy = defaults.policy("plan-001-engineer-response")
    target = policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE)
    clock = start_clock(
        None,
        case_id="case-1",
        kind=ClockKind.FIRST_RESPONSE,
        at=T0,
        priority=Priority.P1,
        policy=policy.name,
        target=target,
        calendars=defaults.calendars,
    ).clock
    fired = fire_due(clock, now=T0 + timedelta(hours=2), calendars=defaults.calendars)
    events = fired_events(clock, fired.fired, CASE)
    assert [t for t, _ in events] == [WARNING, WARNING, BREACHED]
    stopped = stop_clock(
        fired.clock,
        at=T0 + timedelta(minutes=40),
        reason="acknowledged",
        calendars=defaults.calendars,
        now=T0 + timedelta(hours=2),
    )
    later = transition_events(fired.clock, stopped, CASE, T0 + timedelta(hours=2))
    assert [t for t, _ in later] == [BREACH_WITHDRAWN, MET]
    for event_type, payload in [*events, *later]:
        _as_proto_prints_it(event_type, payload)
