"""The console's queue projection draining a backlog: case events and clock events for many cases (what a
console replica catches up on after a restart, or the SLA burst's breaches), consumed by the console's own
subscriptions through the platform's consumer on the local PostgreSQL and RabbitMQ.

    uv run python bench/bench_console_projection.py [--cases 5000]

Each case has four events: created and assigned on the case stream, a warning and a breach on the clock
stream. Run twice: the subscriptions as the console gives them (window handlers: a window's rows locked,
read and written once each), then the same handlers given one event at a time (a transaction's lock, read and
write per event, as the projection ran before windows). The CPU is this process's (the two consumers).
Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.clock import SystemClock
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing import harness
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from bench_outbox import cpu_seconds
from console.bootstrap import definition
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from machine import describe


def one_at_a_time(subscription: EventSubscription) -> EventSubscription:
    window = subscription.window_handler
    assert window is not None

    async def each(event, uow) -> None:  # type: ignore[no-untyped-def]
        await window([event], uow)

    return replace(subscription, handler=each, window_handler=None)


def case_events(uow, case_id: str, n: int) -> None:  # type: ignore[no-untyped-def]
    head = {"case_id": case_id, "case_number": f"EA-{n}", "region": "east", "company_id": "acme",
            "priority": cases_pb2.PRIORITY_P2}
    uow.emit("aftercare.case.created.v1", subject=case_id, region="east", data=events_pb2.CaseCreated(
        **head, status=cases_pb2.CASE_STATUS_NEW, description=f"fault {n}"))
    uow.emit("aftercare.case.assigned.v1", subject=case_id, region="east", data=events_pb2.CaseAssigned(
        **head, assignee_id=f"eng-{n % 20}", status=cases_pb2.CASE_STATUS_ASSIGNED))
    clock = {**head, "clock_kind": sla_pb2.CLOCK_KIND_FIRST_RESPONSE, "cycle": 1}
    uow.emit("aftercare.sla.warning.v1", subject=case_id, region="east", data=sla_events.SlaWarning(**clock))
    uow.emit("aftercare.sla.breached.v1", subject=case_id, region="east", data=sla_events.SlaBreached(**clock))


async def drain(url: str, amqp: str, cases: int, windows: bool) -> None:
    settings = definition.settings(database_url=url, amqp_url=amqp)
    console_db = open_database(definition, settings, SystemClock())
    producer, _ = await harness.open_database(url, "bench_producer")
    broker = await harness.open_broker(amqp, "bench-console")
    tag = uuid.uuid4().hex[:8]
    chosen = [replace(s, queue=f"{s.queue}-{tag}") for s in subscriptions(ConsoleHandlers(console_db))[:2]]
    if not windows:
        chosen = [one_at_a_time(s) for s in chosen]
    for subscription in chosen:
        await broker.declare_work_queue(subscription.queue, subscription.bindings, 5)
    for start in range(0, cases, 250):
        async with producer.unit_of_work() as uow:
            for n in range(start, min(cases, start + 250)):
                case_events(uow, f"{tag}-{n}", n)
    relay = OutboxRelay(producer, broker, batch_size=1000)
    while await relay.drain_once():
        pass
    consumers = [EventConsumer(broker, console_db, s, prefetch=200, delivery_limit=5, attempts=3) for s in chosen]
    inbox, events = console_db.tables.inbox, 4 * cases
    cpu, started = cpu_seconds(), time.perf_counter()
    for consumer in consumers:
        await consumer.start()
    while True:
        async with console_db.engine.connect() as connection:
            done = (await connection.execute(select(func.count()).select_from(inbox).where(
                inbox.c.consumer.in_([s.queue for s in chosen])))).scalar_one()
        if done >= events:
            break
        await asyncio.sleep(0.05)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    for consumer in consumers:
        await consumer.stop()
    how = "window handlers        " if windows else "one event at a time    "
    print(f"  {how}: {events} events on {cases} cases → {events / seconds:,.0f} events/s "
          f"({seconds:.1f} s), {1000 * cpu / events:.3f} CPU ms/event in the consumers' process")
    channel = await broker.connection.channel()  # type: ignore[attr-defined]
    for subscription in chosen:
        await channel.queue_delete(subscription.queue)
    await channel.close()
    await broker.close()
    await producer.close()
    await console_db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    print(f"the console's queue projection catching up on a backlog, on {describe()}")
    with ExitStack() as stack:
        servers = start_servers(stack)
        for windows in (True, False):
            name, url = await create_database(servers.pg_admin_url, "aftercare_bench")
            try:
                await migrate(definition, definition.settings(database_url=url, amqp_url=servers.amqp_url))
                await drain(url, servers.amqp_url, args.cases, windows)
            finally:
                await drop_database(servers.pg_admin_url, name)


if __name__ == "__main__":
    asyncio.run(main())
