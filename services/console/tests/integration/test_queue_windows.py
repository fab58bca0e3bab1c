"""The queue's read model from real windows on PostgreSQL and RabbitMQ: the case stream and the clock stream,
consumed side by side by the platform's consumer, each window applied with one read and one write; the
first events of a new case on both streams at once both land in its row (neither overwrites the other)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.clock import SystemClock
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing import harness
from aftercare_platform.testing.waiting import eventually
from console.adapters.tables import queue
from console.bootstrap import definition
from console.domain.queue import Urgency
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from sqlalchemy import select

CASES = 120


def own_queue(subscription: EventSubscription, tag: str) -> EventSubscription:
    """The console's subscription on a queue of this test's own (the vhost is shared by the session's tests)."""
    return replace(subscription, queue=f"{subscription.queue}-{tag}")


async def test_both_streams_fill_each_case_row_through_windows(database_url: str, amqp_url: str) -> None:
    settings = definition.settings(database_url=database_url, amqp_url=amqp_url)
    await migrate(definition, settings)
    console_db = open_database(definition, settings, SystemClock())
    producer, _ = await harness.open_database(database_url, "queue_producer")
    broker = await harness.open_broker(amqp_url)
    tag = uuid.uuid4().hex[:8]
    on_cases, on_clocks = (own_queue(s, tag) for s in subscriptions(ConsoleHandlers(console_db))[:2])
    consumers = [EventConsumer(broker, console_db, s, prefetch=200, delivery_limit=5, attempts=3)
                 for s in (on_cases, on_clocks)]
    for subscription in (on_cases, on_clocks):  # declared (bound) before the events are published
        await broker.declare_work_queue(subscription.queue, subscription.bindings, 5)
    ids = [f"c-{tag}-{n}" for n in range(CASES)]
    async with producer.unit_of_work() as uow:
        for n, case_id in enumerate(ids):
            number, p1 = f"EA-{n}", cases_pb2.PRIORITY_P1
            # the clock's breach is published first: its row may be written before the case's
            uow.emit("aftercare.sla.breached.v1", subject=case_id, region="east", data=sla_events.SlaBreached(
                case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
                clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, cycle=1))
            uow.emit("aftercare.case.created.v1", subject=case_id, region="east", data=events_pb2.CaseCreated(
                case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
                status=cases_pb2.CASE_STATUS_NEW, description=f"fault {n}"))
            uow.emit("aftercare.case.assigned.v1", subject=case_id, region="east", data=events_pb2.CaseAssigned(
                case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
                assignee_id=f"eng-{n % 3}", status=cases_pb2.CASE_STATUS_ASSIGNED))
    while await OutboxRelay(producer, broker, batch_size=1000).drain_once():
        pass
    for consumer in consumers:  # both start on full queues: the streams' first events meet on new cases
        await consumer.start()

    async def rows() -> dict[str, object]:
        async with console_db.engine.connect() as connection:
            found = await connection.execute(select(queue).where(queue.c.case_id.in_(ids)))
            return {row.case_id: row for row in found}

    async def all_handled() -> bool:
        async with console_db.engine.connect() as connection:
            inbox = console_db.tables.inbox
            handled = await connection.execute(select(inbox.c.event_id).where(
                inbox.c.consumer.in_([on_cases.queue, on_clocks.queue])))
            return len(handled.all()) == 3 * CASES

    await eventually(all_handled, what="every event handled")
    found = await rows()
    assert set(found) == set(ids)
    for n, case_id in enumerate(ids):
        row = found[case_id]
        # the case stream's head and the clock stream's breach, whichever wrote the row first
        assert (row.status, row.assignee_id, row.description) == ("assigned", f"eng-{n % 3}", f"fault {n}"), row
        assert (row.urgency, row.clocks) == (Urgency.BREACHED, {"FIRST_RESPONSE:1": {"state": "breached",
                                                                                   "deadline": None}}), row
    for consumer in consumers:
        await consumer.stop()
    await broker.close()
    await producer.close()
    await console_db.close()
