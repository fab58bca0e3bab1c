"""Outbox → RabbitMQ → consumer: throughput (events/s) and latency (commit → handler), with one relay
and one consumer, then two of each, each in its own process, on the local PostgreSQL and RabbitMQ.

    uv run python bench/bench_outbox.py [--events 20000] [--rate 1000] [--replicas 1,2] [--handler window]
                                        [--profile]

--handler window: the consumer's handler is a window handler writing a window's rows with one statement
(the default, `event`, writes each event's row with a statement of its own).

--profile runs the relay and the consumer under cProfile and prints where their time goes.

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.servers.event_loop import run_on
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.harness import open_broker, open_database
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from machine import CpuMeter, describe, percentile

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


def cpu_seconds() -> float:
    """CPU time this process used (user + system): unlike wall time, it barely moves with the box's load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def print_by_package(stats: Any) -> None:
    """Own CPU time summed by the library it is spent in: which layer the time goes to."""
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "aftercare_platform" in filename:
            package = "aftercare_platform/" + filename.split("aftercare_platform/")[1].split("/")[0]
        elif "/lib/python3" in filename:
            package = "stdlib/" + filename.split("/lib/python3")[1].split("/")[1].removesuffix(".py")
        else:
            package = filename if filename.startswith("~") else Path(filename).name
        by_package[package] = by_package.get(package, 0.0) + own
    total = sum(by_package.values()) or 1.0
    print("CPU by layer: " + ", ".join(f"{name} {100 * seconds / total:.0f}%" for name, seconds in
                                       sorted(by_package.items(), key=lambda item: -item[1])[:12]))


def report_when_terminated(profile: bool) -> None:
    """On SIGTERM print this role's CPU seconds (and, profiling, its hottest functions by CPU time)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler is not None:
        profiler.enable()

    def report(*_: object) -> None:
        print(f"cpu {cpu_seconds():.3f}", flush=True)
        if profiler is not None:
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            print_by_package(stats)
            stats.sort_stats("tottime").print_stats(12)
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, report)
    signal.signal(signal.SIGUSR1, lambda *_: print(f"cpu {cpu_seconds():.3f}", flush=True))


async def run_relay(url: str, amqp: str) -> None:
    db, _ = await open_bench_database(url)
    broker = await open_broker(amqp, "bench-relay")
    relay = OutboxRelay(db, broker, batch_size=500, poll_interval=1.0)
    await relay.start()
    print(f"ready {cpu_seconds():.3f}", flush=True)
    await asyncio.Event().wait()


async def run_consumer(url: str, amqp: str, handler_kind: str) -> None:
    db, latencies = await open_bench_database(url)
    broker = await open_broker(amqp, "bench-consumer")

    # the handler's own work: one row per event, through a statement built once (building an insert per
    # event cost more CPU than the platform's whole path)
    record = insert(latencies)

    async def handler(event, uow):
        ms = (time.time() - event.time.timestamp()) * 1000
        await uow.connection.execute(record, {"event_id": event.id, "ms": ms})

    async def window_handler(events, uow):
        now = time.time()
        await uow.connection.execute(record, [{"event_id": event.id, "ms": (now - event.time.timestamp()) * 1000}
                                              for event in events])

    subscription = (EventSubscription(QUEUE, ["bench.#"], window_handler=window_handler) if handler_kind == "window"
                    else EventSubscription(QUEUE, ["bench.#"], handler))
    consumer = EventConsumer(broker, db, subscription,
                             prefetch=200, delivery_limit=5, attempts=3)
    await consumer.start()
    print(f"ready {cpu_seconds():.3f}", flush=True)
    await asyncio.Event().wait()


class Role:
    """A relay or a consumer in its own process; `cpu_at_ready` is what starting it cost."""

    def __init__(self, role: str, url: str, amqp: str, profile: bool, handler_kind: str = "event") -> None:
        extra = ["--profile", "--handler", handler_kind] if profile else ["--handler", handler_kind]
        self.role = role
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--role", role, "--url", url, "--amqp", amqp, *extra], stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("ready"):
            raise RuntimeError(f"{role} did not start")
        self.cpu_at_ready = float(line.split()[1])

    def cpu(self) -> float:
        """CPU seconds it has spent so far."""
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR1)
        return float(self.process.stdout.readline().decode().split()[1])

    def finish(self) -> tuple[float, str]:
        """Terminate it; returns the CPU seconds it spent since ready, and its profile (if any)."""
        self.process.terminate()
        out, _ = self.process.communicate(timeout=60)
        lines = out.decode().splitlines()
        cpu = next(float(line.split()[1]) for line in lines if line.startswith("cpu "))
        profile = [line for line in lines if line.strip() and not line.startswith("cpu ")
                   and "function calls" not in line]
        return cpu - self.cpu_at_ready, "\n".join("    " + line for line in profile)[:7000]


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


async def wait_sent(db, within: float = 600) -> None:
    """Until the relays published every committed row (a relay deletes a row once the broker confirmed it)."""
    outbox = db.tables.outbox
    started = time.perf_counter()
    while True:
        async with db.engine.connect() as connection:
            if int((await connection.execute(select(func.count()).select_from(outbox))).scalar_one()) == 0:
                return
        if time.perf_counter() - started > within:
            raise RuntimeError("the relay did not publish everything")
        await asyncio.sleep(0.05)


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


async def scenario(admin_url: str, amqp: str, replicas: int, events: int, rate: float, profile: bool,
                   handler_kind: str) -> None:
    name, url = await create_database(admin_url, "aftercare_bench")
    procs: list[Role] = []
    try:
        db, latencies = await open_bench_database(url)
        # each stage alone: the relays publish a committed backlog into the queue, then the consumers drain it
        declaring = await open_broker(amqp, "bench-declare")
        await declaring.declare_work_queue(QUEUE, ["bench.#"], 5)
        await declaring.close()
        relays = [Role("relay", url, amqp, profile) for _ in range(replicas)]
        procs += relays
        cpu_before = sum(role.cpu() for role in relays)
        started = time.perf_counter()
        await produce(db, events, None)
        await wait_sent(db)
        relay_seconds = time.perf_counter() - started
        relay_cpu = sum(role.cpu() for role in relays) - cpu_before
        consumers = [Role("consumer", url, amqp, profile, handler_kind) for _ in range(replicas)]
        procs += consumers
        cpu_before = sum(role.cpu() for role in consumers)
        started = time.perf_counter()
        await wait_handled(db, latencies, events)
        consumer_seconds = time.perf_counter() - started
        consumer_cpu = sum(role.cpu() for role in consumers) - cpu_before
        print(f"  stage by stage, {events} events: relay(s) alone {events / relay_seconds:,.0f} events/s "
              f"({1000 * relay_cpu / events:.3f} CPU ms/event); consumer(s) alone on the full queue "
              f"{events / consumer_seconds:,.0f} events/s ({1000 * consumer_cpu / events:.3f} CPU ms/event)")
        async with db.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {SCHEMA}.latencies"))
        # burst: everything committed at once, then drained
        meter = CpuMeter({f"{role.role} {n + 1}": role.process.pid for role_kind in ("relay", "consumer")
                          for n, role in enumerate(r for r in procs if r.role == role_kind)})
        cpu_at_burst = meter.read()
        started = time.perf_counter()
        await produce(db, events, None)
        await wait_handled(db, latencies, events)
        burst_seconds = time.perf_counter() - started
        # where the box's time goes end to end (the bench client commits the events and polls)
        burst_cpu = meter.since(cpu_at_burst, events, "event", per=1000)
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
        print(f"    the burst's {burst_cpu}")
        await db.close()
        handled = 2 * events + steady
        for role in procs:
            cpu, where = role.finish()
            per_event = cpu / handled * replicas * 1000
            print(f"  {role.role}: {cpu:.1f} CPU s for its share of {handled} events = {per_event:.3f} CPU ms/event "
                  f"→ ceiling ~{1000 / per_event:,.0f} events/s per core it gets")
            if where:
                print(f"  where the {role.role}'s CPU goes (cProfile on process time, top functions by own time):")
                print(where)
    finally:
        for role in procs:
            role.process.kill()
            role.process.wait()
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
    parser.add_argument("--handler", choices=("event", "window"), default="event",
                        help="the consumer's handler: a statement per event, or one per window")
    args = parser.parse_args()
    if args.role:
        report_when_terminated(args.profile)
    if args.role == "relay":
        return await run_relay(args.url, args.amqp)
    if args.role == "consumer":
        return await run_consumer(args.url, args.amqp, args.handler)
    print(f"outbox → broker → consumer on {describe()}; the consumer's handler: a statement per {args.handler}")
    with ExitStack() as stack:
        servers = start_servers(stack)
        for replicas in (int(r) for r in args.replicas.split(",")):
            await scenario(servers.pg_admin_url, servers.amqp_url, replicas, args.events, args.rate, args.profile,
                           args.handler)


if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    # the relay and the consumer processes run on the loop a service runs on (AFTERCARE_EVENT_LOOP)
    run_on(ServiceSettings().event_loop, main())
