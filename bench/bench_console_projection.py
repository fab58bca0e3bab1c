"""The console's queue projection draining a backlog: case events and clock events for many cases (what a
console replica catches up on after a restart, or the SLA burst's breaches), consumed by the console's own
subscriptions through the platform's consumer on the local PostgreSQL and RabbitMQ.

    uv run python bench/bench_console_projection.py [--cases 5000]   (a multiple of 250)

Each case has four events: created and assigned on the case stream, a warning and a breach on the clock
stream. Run twice: the subscriptions as the console gives them (window handlers: a window's rows locked,
read and written once each), then the same handlers given one event at a time (a transaction's lock, read and
write per event, as the projection ran before windows). The CPU is this process's (the two consumers).
Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.testing.backlog import Backlog
from bench_outbox import cpu_seconds
from console.bootstrap import definition
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from machine import bench_database, local_servers


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
    def chosen(database):  # type: ignore[no-untyped-def]
        given = subscriptions(ConsoleHandlers(database))[:2]
        return given if windows else [one_at_a_time(s) for s in given]

    backlog = await Backlog.open(definition, url, amqp, chosen)
    try:
        await backlog.publish(lambda uow, n: [case_events(uow, f"c-{m}", m) for m in range(n * 250, n * 250 + 250)],
                              cases // 250)
        events = 4 * (cases // 250) * 250
        cpu = cpu_seconds()
        seconds = await backlog.consume(events, within=1800)
        cpu = cpu_seconds() - cpu
    finally:
        await backlog.close()
    how = "window handlers        " if windows else "one event at a time    "
    print(f"  {how}: {events} events on {events // 4} cases → {events / seconds:,.0f} events/s "
          f"({seconds:.1f} s), {1000 * cpu / events:.3f} CPU ms/event in the consumers' process")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    with local_servers("the console's queue projection catching up on a backlog") as servers:
        for windows in (True, False):
            async with bench_database(servers) as url:
                await drain(url, servers.amqp_url, args.cases, windows)


if __name__ == "__main__":
    asyncio.run(main())
