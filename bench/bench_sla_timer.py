"""sla-timer firing: memory with many pending clocks, lateness under a steady load, a burst of deadlines.

The service runs as a real process (`python -m sla_timer`) on the local PostgreSQL and RabbitMQ; clocks
are seeded straight into its database with COPY (as the consumer would leave them).

    uv run python bench/bench_sla_timer.py [--pending 10000,1000000] [--steady 5000 --over 20]
                                           [--burst 20000] [--only memory,steady,burst] [--replicas 1]
                                           [--profile]

- memory: resident memory (VmRSS, and the peak VmHWM) of the service with N pending clocks;
- steady: N deadlines spread evenly over S seconds: lateness (fired - due) p50 / p99 / max, and how
  many fired early; also due -> delivered to a subscriber of `sla.#`;
- burst: N deadlines due at the same instant: time until all are fired (committed with their outbox
  rows) and until all are published (in a subscriber's quorum queue, as the services' queues are).

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.bus.amqp import declare_topology
from aftercare_platform.db.listen import asyncpg_dsn
from aftercare_platform.testing.infra import drop_database, start_servers
from machine import CpuMeter, describe, percentile
from profiling import Profiles
from sla_timer_fixture import SERVICE_SETTINGS, Service, clock_rows, fresh_database, scalar, seed


async def memory(admin: str, amqp: str, counts: list[int]) -> None:
    name, url = await fresh_database(admin, amqp)
    far = datetime.now(UTC) + timedelta(days=30)
    seeded, service = 0, None
    try:
        for count in counts:
            started = time.monotonic()
            seeded += await seed(
                url, clock_rows((far + timedelta(seconds=i) for i in range(count - seeded)), f"M{count}")
            )
            await scalar(url, "ANALYZE sla_timer.clocks")
            seed_s = time.monotonic() - started
            if service is not None:
                await service.stop()
            service = await Service(url, amqp).start()
            await asyncio.sleep(8)  # several look-ahead windows
            rss, peak = service.memory_mib()
            print(
                f"  memory with {seeded:>9,} pending clocks: RSS {rss:6.1f} MiB (peak {peak:6.1f} MiB) "
                f"[seeded by COPY in {seed_s:.1f} s]",
                flush=True,
            )
    finally:
        if service is not None:
            await service.stop()
        await drop_database(admin, name)


def print_legs(fired: list[asyncpg.Record], arrivals: dict[str, datetime]) -> None:
    """Where the time between due and delivery goes: due -> fired (committed with its outbox row), and
    committed -> delivered to the subscriber (the relay's read, publish and confirm, the broker's routing)."""
    to_arrival = sorted((arrivals[r["event_id"]] - r["fired_at"]).total_seconds() * 1000
                        for r in fired if r["event_id"] in arrivals)
    if to_arrival:
        print(f"    fired -> delivered p50 {percentile(to_arrival, 0.5):.1f} ms, "
              f"p99 {percentile(to_arrival, 0.99):.1f} ms", flush=True)


async def steady(admin: str, amqp: str, count: int, over: float, replicas: int) -> None:
    name, url = await fresh_database(admin, amqp)
    services: list[Service] = []
    delivered: list[float] = []
    arrivals: dict[str, datetime] = {}  # event id -> when the subscriber got it
    connection = await aio_pika.connect(amqp)
    try:
        channel = await connection.channel()
        exchange = await declare_topology(channel)
        queue = await channel.declare_queue(f"benchsla.events-{uuid.uuid4().hex[:8]}", exclusive=True)
        await queue.bind(exchange, routing_key="sla.#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            now = datetime.now(UTC)
            due = json.loads(message.body)["data"]["dueTime"]
            delivered.append((now - datetime.fromisoformat(due.replace("Z", "+00:00"))).total_seconds() * 1000)
            arrivals[message.message_id or ""] = now

        await queue.consume(on_message, no_ack=True)
        services = [await Service(url, amqp).start() for _ in range(replicas)]
        first = datetime.now(UTC) + timedelta(seconds=5)
        step = timedelta(seconds=over / count)
        await seed(url, clock_rows((first + i * step for i in range(count)), "S"))
        end = first + count * step
        while datetime.now(UTC) < end + timedelta(seconds=3) or len(delivered) < count:
            await asyncio.sleep(0.5)
            if datetime.now(UTC) > end + timedelta(seconds=60):
                break
        conn = await asyncpg.connect(asyncpg_dsn(url))
        rows = await conn.fetch("SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms FROM sla_timer.fired")
        legs = await conn.fetch("SELECT event_id, fired_at FROM sla_timer.fired")
        await conn.close()
        late = sorted(float(r["ms"]) for r in rows)
        early = sum(1 for v in late if v < 0)
        arrived = sorted(delivered)
        print(
            f"  steady: {count:,} deadlines over {over:.0f} s ({count / over:.0f}/s), {replicas} replica(s): "
            f"{len(late):,} fired; lateness fired - due p50 {percentile(late, 0.5):.1f} ms, "
            f"p99 {percentile(late, 0.99):.1f} ms, max {late[-1]:.1f} ms, {early} early; "
            f"due -> delivered to a subscriber p50 {percentile(arrived, 0.5):.1f} ms, "
            f"p99 {percentile(arrived, 0.99):.1f} ms, max {arrived[-1]:.1f} ms",
            flush=True,
        )
        print_legs(legs, arrivals)
    finally:
        for service in services:
            await service.stop()
        await connection.close()
        await drop_database(admin, name)


def seconds(value: float | None) -> str:
    return "never (within the wait)" if value is None else f"{value:.2f} s"


async def queue_depth(channel: aio_pika.abc.AbstractChannel, name: str) -> int:
    declared = await channel.declare_queue(name, passive=True)
    return declared.declaration_result.message_count or 0


async def burst(admin: str, amqp: str, count: int, replicas: int, profile: bool = False) -> None:
    """Published is seen at the broker: a quorum queue bound to `sla.#`, as the services' queues are, whose depth
    is read every 20 ms (a passive declare). Fired is read from the database every 100 ms, only until all are:
    counting the fired log and the outbox every 20 ms, as this bench once did, was a quarter of PostgreSQL's CPU
    in the burst, taken from the service it measured."""
    name, url = await fresh_database(admin, amqp)
    services: list[Service] = []
    connection = await aio_pika.connect(amqp)
    events = f"benchsla.burst-{uuid.uuid4().hex[:8]}"
    channel = await connection.channel()
    try:
        # gone by itself ten minutes after a bench that died before deleting it
        queue = await channel.declare_queue(events, durable=True,
                                            arguments={"x-queue-type": "quorum", "x-expires": 600_000})
        await queue.bind(await declare_topology(channel), routing_key="sla.#")
        services = [await Service(url, amqp).start() for _ in range(replicas)]
        due = datetime.now(UTC) + timedelta(seconds=8)
        await seed(url, clock_rows((due for _ in range(count)), "B"))
        meter = CpuMeter({name: pid for n, s in enumerate(services) for name, pid in s.pids(n + 1).items()})
        profiles = Profiles(meter.processes, profile, package="sla_timer")
        profiles.start()  # from before the instant: the claim ahead of it counts too
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        cpu_before = meter.read()
        conn = await asyncpg.connect(asyncpg_dsn(url))
        fired_s = published_s = first_s = half_s = None
        cpu_fired: dict[str, float] | None = None
        next_count = 0.0
        while published_s is None:
            elapsed = (datetime.now(UTC) - due).total_seconds()
            if fired_s is None and elapsed >= next_count:
                next_count = elapsed + 0.1
                if await conn.fetchval("SELECT count(*) FROM sla_timer.fired") >= count:
                    fired_s, cpu_fired = elapsed, meter.read()
            published = await queue_depth(channel, events)
            if first_s is None and published > 0:
                first_s = elapsed
            if half_s is None and published >= count / 2:
                half_s = elapsed
            if published >= count:
                published_s = elapsed
            if elapsed > 300 or (fired_s is not None and elapsed > fired_s + 60):
                break
            await asyncio.sleep(0.02)
        # where the time goes: firing and publishing the burst, by process
        cpu_end = meter.read()
        cpu = meter.since(cpu_before, count, "deadline", per=1000, until=cpu_end)
        where = profiles.stop()
        early = await conn.fetchval("SELECT count(*) FROM sla_timer.fired WHERE fired_at < due_at")
        unsent = await conn.fetchval("SELECT count(*) FROM sla_timer.outbox")
        await conn.close()
        print(
            f"  burst: {count:,} deadlines due at one instant, {replicas} replica(s): all fired (committed "
            f"with their outbox rows) {seconds(fired_s)} after the instant (seen within 0.1 s), all published "
            f"(in a subscriber's queue) {seconds(published_s)} after it; {early} early, {unsent} left in the outbox",
            flush=True,
        )
        if first_s is not None and published_s is not None and published_s > first_s:
            # how the burst reached subscribers: the first, half, the last, and the rate in between
            print(f"    the first event reached the queue {first_s:.2f} s after the instant, half of them "
                  f"{seconds(half_s)} after, the last {published_s:.2f} s after: "
                  f"{count / (published_s - first_s):,.0f} events/s while the relay published", flush=True)
        print(f"    {cpu}", flush=True)
        if cpu_fired is not None:  # the same split at the moment the last was fired (publishing may overlap it)
            print(f"      until all fired: {meter.since(cpu_before, count, 'deadline', per=1000, until=cpu_fired)}\n"
                  f"      after (publishing): {meter.since(cpu_fired, count, 'deadline', per=1000, until=cpu_end)}",
                  flush=True)
        if where:
            print(where, flush=True)
    finally:
        for service in services:
            await service.stop()
        await channel.queue_delete(events)
        await connection.close()
        await drop_database(admin, name)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", default="10000,1000000")
    parser.add_argument("--steady", type=int, default=5000)
    parser.add_argument("--over", type=float, default=20.0)
    parser.add_argument("--burst", type=int, default=20_000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--only", default="memory,steady,burst")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="a service setting for every run, e.g. --set claim_batch_size=1000",
    )
    parser.add_argument("--profile", action="store_true", help="sample the burst's sla-timer with py-spy")
    args = parser.parse_args()
    only = set(args.only.split(","))
    SERVICE_SETTINGS.update(dict(item.split("=", 1) for item in args.set))
    print(f"sla-timer firing on {describe()}", flush=True)
    with ExitStack() as stack:
        servers = start_servers(stack)
        admin, amqp = servers.pg_admin_url, servers.amqp_url
        if "memory" in only:
            await memory(admin, amqp, [int(n) for n in args.pending.split(",")])
        if "steady" in only:
            await steady(admin, amqp, args.steady, args.over, args.replicas)
        if "burst" in only:
            await burst(admin, amqp, args.burst, args.replicas, args.profile)


if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    asyncio.run(main())
