"""Outbox → RabbitMQ → consumer: throughput (events/s) and latency (commit → handler), with one relay
and one consumer, then two of each, each in its own process, on the local PostgreSQL and RabbitMQ.

    uv run python bench/bench_outbox.py [--events 20000] [--rate 1000] [--replicas 1,2] [--profile]

--profile runs the relay and the consumer under cProfile and prints where their time goes.

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Column, Float, MetaData, String, Table, func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from machine import describe, percentile

EVENT = "aftercare.bench.happened.v1"
QUEUE = "bench.events"
SCHEMA = "bench"


def latency_table(metadata: MetaData) -> Table:
    return Table("latencies", metadata, Column("event_id", String(64), primary_key=True),
                 Column("ms", Float, nullable=False))


async def open_bench_database(url: str):
    db, _ = await open_database(url, SCHEMA, service_name="bench")
    metadata = MetaData(schema=SCHEMA)
    latencies = latency_table(metadata)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return db, latencies


def profiled_until_terminated() -> None:
    """Profile this role until the benchmark terminates it, then print its hottest functions."""
    import cProfile
    import pstats
    import signal

    profiler = cProfile.Profile()
    profiler.enable()

    def report(*_: object) -> None:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(14)
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, report)


async def run_relay(url: str, amqp: str) -> None:
    db, _ = await open_bench_database(url)
    broker = await open_broker(amqp, "bench-relay")
    relay = OutboxRelay(db, broker, batch_size=500, poll_interval=1.0)
    await relay.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def run_consumer(url: str, amqp: str) -> None:
    db, latencies = await open_bench_database(url)
    broker = await open_broker(amqp, "bench-consumer")

    async def handler(event, uow):
        ms = (time.time() - event.time.timestamp()) * 1000
        await uow.session.execute(insert(latencies).values(event_id=event.id, ms=ms))

    consumer = EventConsumer(broker, db, EventSubscription(QUEUE, ["bench.#"], handler),
                             prefetch=200, delivery_limit=5, attempts=3)
    await consumer.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def spawn(role: str, url: str, amqp: str, profile: bool) -> subprocess.Popen[bytes]:
    extra = ["--profile"] if profile else []
    process = subprocess.Popen([sys.executable, __file__, "--role", role, "--url", url, "--amqp", amqp, *extra],
                               stdout=subprocess.PIPE)
    assert process.stdout is not None
    if b"ready" not in process.stdout.readline():
        raise RuntimeError(f"{role} did not start")
    return process


async def produce(db, count: int, rate: float | None, per_tx: int = 50) -> None:
    """Commit `count` events, at `rate` per second when given (steady), else as fast as possible (burst)."""
    started = time.perf_counter()
    for start in range(0, count, per_tx):
        async with db.unit_of_work() as uow:
            for i in range(start, min(count, start + per_tx)):
                uow.emit(EVENT, subject=f"agg-{i % 500}", data={"n": i}, region="east")
        if rate:
            ahead = (start + per_tx) / rate - (time.perf_counter() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)


async def wait_handled(db, latencies, count: int, within: float = 600) -> float:
    started = time.perf_counter()
    while True:
        async with db.engine.connect() as connection:
            done = int((await connection.execute(select(func.count()).select_from(latencies))).scalar_one())
        if done >= count:
            return time.perf_counter() - started
        if time.perf_counter() - started > within:
            raise RuntimeError(f"only {done}/{count} handled")
        await asyncio.sleep(0.05)


async def scenario(admin_url: str, amqp: str, replicas: int, events: int, rate: float, profile: bool) -> None:
    name, url = await create_database(admin_url, "aftercare_bench")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        db, latencies = await open_bench_database(url)
        procs += [spawn("consumer", url, amqp, profile) for _ in range(replicas)]
        procs += [spawn("relay", url, amqp, profile) for _ in range(replicas)]
        # burst: everything committed at once, then drained
        started = time.perf_counter()
        await produce(db, events, None)
        await wait_handled(db, latencies, events)
        burst_seconds = time.perf_counter() - started
        async with db.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {SCHEMA}.latencies"))
        # steady: a fixed rate, latency from commit to the consumer's handler
        steady = int(rate * 10)
        await produce(db, steady, rate)
        await wait_handled(db, latencies, steady)
        async with db.engine.connect() as connection:
            values = sorted((await connection.execute(select(latencies.c.ms))).scalars())
        print(f"  {replicas} relay(s) + {replicas} consumer(s): burst of {events} events → "
              f"{events / burst_seconds:,.0f} events/s end to end ({burst_seconds:.1f} s); "
              f"steady {rate:.0f}/s for 10 s → latency p50 {percentile(values, .5):.1f} ms, "
              f"p99 {percentile(values, .99):.1f} ms, max {values[-1]:.1f} ms")
        await db.close()
        if profile:
            for role, process in zip(["consumer"] * replicas + ["relay"] * replicas, procs, strict=True):
                process.terminate()
                out, _ = process.communicate(timeout=60)
                print(f"  where the {role}'s time goes (cProfile, top functions by own time):")
                print("\n".join("    " + line for line in out.decode().splitlines()
                                if line.strip() and "function calls" not in line)[:6000])
    finally:
        for process in procs:
            process.kill()
            process.wait()
        await drop_database(admin_url, name)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role")
    parser.add_argument("--url")
    parser.add_argument("--amqp")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--replicas", default="1,2", help="relay+consumer pairs per scenario")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile and args.role:
        profiled_until_terminated()
    if args.role == "relay":
        return await run_relay(args.url, args.amqp)
    if args.role == "consumer":
        return await run_consumer(args.url, args.amqp)
    print(f"outbox → broker → consumer on {describe()}")
    with ExitStack() as stack:
        servers = start_servers(stack)
        for replicas in (int(r) for r in args.replicas.split(",")):
            await scenario(servers.pg_admin_url, servers.amqp_url, replicas, args.events, args.rate, args.profile)


if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    asyncio.run(main())
