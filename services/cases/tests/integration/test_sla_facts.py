"""sla-timer's events land on the case's timeline: one internal entry per event, whatever the number of
deliveries (the inbox and the entry commit together), the chain still verifies, customers never see
them, and an event for a case cases never had is parked instead of retried."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.sla.v1 import events_pb2, sla_pb2
from aftercare_platform.bus.dlq import list_parked
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.bus.ports import Broker, OutgoingMessage
from aftercare_platform.testing.harness import open_broker
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import AGENT, create_request, eventually

DEADLINE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _stamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def _clock(case: pb.Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id, "case_number": case.case_number, "region": "east", "company_id": "company-a",
        "priority": pb.PRIORITY_P3, "clock_kind": sla_pb2.CLOCK_KIND_FIRST_RESPONSE, "policy": "default",
        "cycle": 1, "target": Duration(seconds=3600), "calendar": "24x7", "deadline": _stamp(DEADLINE),
        "business_elapsed": Duration(seconds=1800), "occurred_at": _stamp(DEADLINE - timedelta(minutes=30)),
    }


def _event(kind: str, case_id: str, data: Message) -> CloudEvent:
    return CloudEvent(type=f"aftercare.sla.{kind}.v1", source="/services/sla-timer", subject=case_id,
                      region="east", data=payload_to_dict(data))


def warning(case: pb.Case) -> CloudEvent:
    notify = sla_pb2.Action(kind=sla_pb2.ACTION_KIND_NOTIFY, roles=[sla_pb2.NOTIFY_ROLE_SUPERVISOR],
                            channels=[sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL])
    return _event("warning", case.case_id, events_pb2.SlaWarning(
        **_clock(case), warning_index=0, warning_label="30m", warning_offset=Duration(seconds=1800),
        due_time=_stamp(DEADLINE - timedelta(minutes=30)), actions=[notify]))


def breached(case: pb.Case) -> CloudEvent:
    actions = [sla_pb2.Action(kind=sla_pb2.ACTION_KIND_REASSIGN),
               sla_pb2.Action(kind=sla_pb2.ACTION_KIND_ESCALATE, tiers=1)]
    return _event("breached", case.case_id, events_pb2.SlaBreached(
        **{**_clock(case), "business_elapsed": Duration(seconds=3600), "occurred_at": _stamp(DEADLINE)},
        due_time=_stamp(DEADLINE), actions=actions))


def met(case: pb.Case) -> CloudEvent:
    clock = {**_clock(case), "clock_kind": sla_pb2.CLOCK_KIND_DIAGNOSIS_REPORT}
    return _event("met", case.case_id, events_pb2.SlaMet(
        **clock, started_time=_stamp(DEADLINE - timedelta(hours=1)), stopped_time=_stamp(DEADLINE),
        reason="diagnosis report added"))


def withdrawn(case: pb.Case) -> CloudEvent:
    return _event("breach_withdrawn", case.case_id, events_pb2.SlaBreachWithdrawn(
        **_clock(case), due_time=_stamp(DEADLINE), fired_time=_stamp(DEADLINE),
        reason="acknowledged before it was due"))


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[Broker]:
    opened = await open_broker(amqp_url, name="cases-test-sla")
    try:
        yield opened
    finally:
        await opened.close()


async def publish(broker: Broker, event: CloudEvent) -> None:
    await broker.publish(OutgoingMessage(event.to_json(), event.id, event.routing_key))


async def sla_entries(cases: Any, case_id: str, metadata: Any) -> list[Any]:
    entries = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case_id), metadata=metadata)).entries
    return [e for e in entries if e.kind.startswith("sla.")]


async def test_an_sla_warning_is_one_internal_timeline_entry_however_often_delivered(cases, broker):
    agent = cases.auth(*AGENT)
    customer = cases.auth("cust-1", "customer", "company-a")
    case = (await cases.stub.CreateCase(create_request("sla-warning-1"), metadata=agent)).case
    event = warning(case)
    await publish(broker, event)

    async def recorded() -> bool:
        return len(await sla_entries(cases, case.case_id, agent)) == 1

    await eventually(recorded, what="the sla.warning entry")
    await publish(broker, event)  # the same event again: the inbox absorbs it
    barrier = breached(case)
    await publish(broker, barrier)

    async def barrier_recorded() -> bool:
        return any(e.kind == "sla.breached" for e in await sla_entries(cases, case.case_id, agent))

    await eventually(barrier_recorded, what="the sla.breached entry after the duplicate")
    await asyncio.sleep(0.3)  # a straggling duplicate would have landed by now
    entries = await sla_entries(cases, case.case_id, agent)
    assert sorted(e.kind for e in entries) == ["sla.breached", "sla.warning"]
    first = next(e for e in entries if e.kind == "sla.warning")
    assert first.visibility == pb.VISIBILITY_INTERNAL and first.actor.subject_id == "service:sla-timer"
    payload = dict(first.payload)
    assert payload["clock_kind"] == "FIRST_RESPONSE" and payload["priority"] == "P3"
    assert payload["deadline"] == "2026-03-02T10:00:00.000000+00:00"
    assert payload["business_elapsed_seconds"] == 1800 and payload["warning_index"] == 0
    assert payload["warning_label"] == "30m" and payload["event_id"] == event.id
    assert [dict(a) for a in payload["actions"]] == [
        {"kind": "notify", "roles": ["supervisor"], "channels": ["sms", "email"]}]
    breach_entry = next(e for e in entries if e.kind == "sla.breached")
    breach = dict(breach_entry.payload)
    # docs/customers-and-slas.md: the breach is the customer's to see, who was alerted is not
    assert breach_entry.visibility == pb.VISIBILITY_PUBLIC and "actions" not in breach
    assert breach["clock_kind"] == "FIRST_RESPONSE" and breach["deadline"]

    assert [e.kind for e in await sla_entries(cases, case.case_id, customer)] == ["sla.breached"]
    customer_view = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id),
                                                  metadata=customer)).entries
    assert [e.kind for e in customer_view] == ["created", "sla.breached"]
    verified = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id), metadata=agent)
    assert verified.ok and verified.entries_checked == 3


async def test_met_and_withdrawn_breaches_are_recorded_for_the_customer_too(cases, broker):
    agent = cases.auth(*AGENT)
    case = (await cases.stub.CreateCase(create_request("sla-met-1"), metadata=agent)).case
    await publish(broker, met(case))
    await publish(broker, withdrawn(case))

    async def both() -> bool:
        return len(await sla_entries(cases, case.case_id, agent)) == 2

    await eventually(both, what="the sla.met and sla.breach_withdrawn entries")
    entries = {e.kind: e for e in await sla_entries(cases, case.case_id, agent)}
    assert set(entries) == {"sla.met", "sla.breach_withdrawn"}
    assert all(e.visibility == pb.VISIBILITY_PUBLIC for e in entries.values())
    met_payload = dict(entries["sla.met"].payload)
    assert "warnings_withdrawn" not in met_payload
    assert met_payload["clock_kind"] == "DIAGNOSIS_REPORT" and met_payload["reason"] == "diagnosis report added"
    assert met_payload["stopped_time"] == "2026-03-02T10:00:00.000000+00:00"
    assert dict(entries["sla.breach_withdrawn"].payload)["fired_time"] == "2026-03-02T10:00:00.000000+00:00"
    verified = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id), metadata=agent)
    assert verified.ok and verified.entries_checked == 3


async def test_an_sla_event_for_an_unknown_case_is_parked_not_retried(cases, broker):
    ghost = pb.Case(case_id=str(uuid.uuid4()), case_number="EAST-20260302-0001")
    event = warning(ghost)
    await publish(broker, event)

    async def parked() -> bool:
        return any(m.message_id == event.id for m in await list_parked(broker, "cases.sla-events", limit=500))

    await eventually(parked, what="the event on cases.sla-events' parking queue")


async def test_a_burst_of_verdicts_on_many_cases_lands_in_order_and_every_chain_verifies(cases, broker):
    agent = cases.auth(*AGENT)
    created = [(await cases.stub.CreateCase(create_request(f"sla-burst-{n}"), metadata=agent)).case
               for n in range(12)]
    # each case's verdicts in its order, the cases' interleaved, as a burst of deadlines fires them
    burst = [verdict(case) for verdict in (warning, breached, withdrawn, met) for case in created]
    ghost = warning(pb.Case(case_id=str(uuid.uuid4()), case_number="EAST-20260302-0002"))
    burst.insert(len(burst) // 2, ghost)  # fails its window: alone, only it is parked
    outcomes = await broker.publish_many([OutgoingMessage(e.to_json(), e.id, e.routing_key) for e in burst])
    assert outcomes == [None] * len(burst)

    async def all_recorded() -> bool:
        return all([len(await sla_entries(cases, case.case_id, agent)) == 4 for case in created])

    await eventually(all_recorded, what="four sla entries on each of the twelve cases")
    for case in created:
        kinds = [e.kind for e in await sla_entries(cases, case.case_id, agent)]
        assert kinds == ["sla.warning", "sla.breached", "sla.breach_withdrawn", "sla.met"], kinds
        verified = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id), metadata=agent)
        assert verified.ok and verified.entries_checked == 5

    async def parked() -> bool:
        return any(m.message_id == ghost.id for m in await list_parked(broker, "cases.sla-events", limit=500))

    await eventually(parked, what="the unknown case's event parked")
