"""cases recording a burst of sla-timer's verdicts on its timelines: N cases, four verdicts each (warning,
breach, breach withdrawn, met) published at once, as a burst of deadlines fires them; the cases service in
its own process consumes `cases.sla-events` on the local PostgreSQL and RabbitMQ.

    uv run python bench/bench_sla_facts.py [--cases 2000]

Prints verdicts/s from the first publish until every entry is on its timeline, and the CPU per 1,000
verdicts of cases, PostgreSQL and RabbitMQ. Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import asyncpg
import grpc

sys.path.insert(0, str(Path(__file__).parent))
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.sla.v1 import events_pb2, sla_pb2
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.db.listen import asyncpg_dsn
from aftercare_platform.testing.harness import open_broker
from bench_cases import bench_creates, start_service
from cases.settings import CasesSettings
from machine import CpuMeter, bench_database, local_servers

VERDICTS = (("warning", events_pb2.SlaWarning), ("breached", events_pb2.SlaBreached),
            ("breach_withdrawn", events_pb2.SlaBreachWithdrawn), ("met", events_pb2.SlaMet))


def verdicts(case_ids: list[str]) -> list[OutgoingMessage]:
    """Each case's four verdicts in order, the cases interleaved."""
    messages = []
    for verb, message in VERDICTS:
        for case_id in case_ids:
            data = message(case_id=case_id, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, cycle=1)
            event = CloudEvent(type=f"aftercare.sla.{verb}.v1", source="/services/sla-timer", subject=case_id,
                               region="east", data=payload_to_dict(data))
            messages.append(OutgoingMessage(event.to_json(), event.id, event.routing_key))
    return messages


async def recorded(connection: asyncpg.Connection, count: int) -> None:
    """Until `count` SLA entries are on the timelines."""
    while True:
        if await connection.fetchval("SELECT count(*) FROM cases.timeline WHERE kind LIKE 'sla.%'") >= count:
            return
        await asyncio.sleep(0.05)


async def burst(process: asyncio.subprocess.Process, grpc_port: int, url: str, amqp: str, count: int) -> None:
    """`count` cases opened, then their verdicts published at once and timed until all are on the timelines."""
    metadata = [("authorization", f"Bearer {mint_token(CasesSettings(), 'bench-agent', 'agent')}")]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        await bench_creates([cases_pb2_grpc.CaseServiceStub(channel)], metadata, ["east"], count, 32)
    connection = await asyncpg.connect(asyncpg_dsn(url))
    case_ids = [row["id"] for row in await connection.fetch("SELECT id FROM cases.cases")]
    messages = verdicts(case_ids)
    broker = await open_broker(amqp, "bench-sla-facts")
    meter = CpuMeter({"cases": process.pid})
    before, started = meter.read(), time.perf_counter()
    for start in range(0, len(messages), 1000):
        await broker.publish_many(messages[start:start + 1000])
    await recorded(connection, len(messages))
    seconds = time.perf_counter() - started
    print(f"  {len(messages):,} verdicts on {len(case_ids):,} cases → {len(messages) / seconds:,.0f} "
          f"verdicts/s on the timelines ({seconds:.1f} s)")
    print(f"    {meter.since(before, len(messages), 'verdict', per=1000)}")
    await broker.close()
    await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    with local_servers("cases recording a burst of SLA verdicts") as servers:
        async with bench_database(servers) as url:
            process, grpc_port, _ = await start_service(url, servers.amqp_url)
            try:
                await burst(process, grpc_port, url, servers.amqp_url, args.cases)
            finally:
                process.terminate()
                await process.wait()

if __name__ == "__main__":
    asyncio.run(main())
