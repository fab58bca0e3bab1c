"""The queue's read model on the handler tier: events in (through the inbox), rows out in urgency order,
each reader seeing only its own scope."""

from datetime import timedelta

from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.bus.envelope import payload_to_dict
from aftercare_platform.testing.handlers import ServiceBench
from console.domain.queue import QueueFilter, Urgency
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from console.reads import ConsoleReads
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import NOW

AGENT = Principal("agent-1", Role.AGENT, regions=frozenset({"east"}))


def stamp(minutes: int) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(NOW + timedelta(minutes=minutes))
    return value


def created(case_id: str, number: str, company: str, priority: int, minutes: int,
            region: str = "east") -> events_pb2.CaseCreated:
    return events_pb2.CaseCreated(case_id=case_id, case_number=number, region=region, company_id=company,
                                  priority=priority, status=cases_pb2.CASE_STATUS_NEW, occurred_at=stamp(minutes),
                                  description=f"fault {number}")


async def test_events_build_the_queue_in_urgency_order_within_each_readers_scope(bench: ServiceBench) -> None:
    handlers = ConsoleHandlers(bench.database)
    on_case, on_clock = subscriptions(handlers)
    for data in (created("c1", "EA-1", "acme", cases_pb2.PRIORITY_P3, 0),
                 created("c2", "EA-2", "acme", cases_pb2.PRIORITY_P1, 1),
                 created("c3", "EA-3", "boreal", cases_pb2.PRIORITY_P2, 2),
                 created("c4", "WE-4", "boreal", cases_pb2.PRIORITY_P1, 3, region="west")):
        event = bench.event("aftercare.case.created.v1", subject=data.case_id, data=payload_to_dict(data))
        assert await bench.deliver(on_case, event)
    reads = ConsoleReads(bench.database)
    assert [r.case_number for r in await reads.queue(AGENT, QueueFilter())] == ["EA-2", "EA-3", "EA-1"]

    warning = sla_events.SlaWarning(case_id="c1", case_number="EA-1", region="east", company_id="acme",
                                    priority=cases_pb2.PRIORITY_P3, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE,
                                    cycle=1, deadline=stamp(30))
    event = bench.event("aftercare.sla.warning.v1", subject="c1", data=payload_to_dict(warning))
    assert await bench.deliver(on_clock, event)
    assert not await bench.deliver(on_clock, event)  # a redelivery is absorbed by the inbox
    rows = await reads.queue(AGENT, QueueFilter())
    assert (rows[0].case_number, rows[0].urgency) == ("EA-1", Urgency.WARNED)
    assert rows[0].next_deadline == NOW + timedelta(minutes=30)

    customer = Principal("alice", Role.CUSTOMER, company_id="boreal")
    assert [r.case_number for r in await reads.queue(customer, QueueFilter())] == ["WE-4", "EA-3"]
    nobody = Principal("eve", Role.CUSTOMER)
    assert await reads.queue(nobody, QueueFilter()) == []
    assert [r.case_number for r in await reads.queue(AGENT, QueueFilter(priority="P1"))] == ["EA-2"]


async def test_a_form_acts_once_per_request_id(bench: ServiceBench) -> None:
    handlers = ConsoleHandlers(bench.database)
    assert await handlers.claim("a" * 32, "agent-1", "note", "c1")
    assert not await handlers.claim("a" * 32, "agent-1", "note", "c1")
    # another user's identical id is its own form
    assert await handlers.claim("a" * 32, "agent-2", "note", "c1")
    await handlers.release("a" * 32, "agent-1")
    assert await handlers.claim("a" * 32, "agent-1", "note", "c1")


async def test_saved_views_belong_to_their_user(bench: ServiceBench) -> None:
    handlers, reads = ConsoleHandlers(bench.database), ConsoleReads(bench.database)
    await handlers.save_view("agent-1", "east P1", "priority=P1&region=east")
    await handlers.save_view("agent-1", "east P1", "priority=P1&region=east&view=breached")  # saved again: replaced
    await handlers.save_view("agent-2", "mine", "view=mine")
    assert await reads.saved_views("agent-1") == [("east P1", "priority=P1&region=east&view=breached")]
    assert await reads.saved_views("agent-3") == []
