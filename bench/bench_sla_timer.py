"""sla-timer firing: memory with many pending clocks, lateness under a steady load, a burst of deadlines.

The service runs as a real process (`python -m sla_timer`) on the local PostgreSQL and RabbitMQ; clocks
are seeded straight into its database with COPY (as the consumer would leave them).

    uv run python bench/bench_sla_timer.py [--pending 10000,1000000] [--steady 5000 --over 20]
                                           [--burst 20000] [--only memory,steady,burst] [--replicas 1]

- memory: resident memory (VmRSS, and the peak VmHWM) of the service with N pending clocks;
- steady: N deadlines spread evenly over S seconds: lateness (fired - due) p50 / p99 / max, and how
  many fired early; also due -> delivered to a subscriber of `sla.#`;
- burst: N deadlines due at the same instant: time until all are fired (committed with their outbox
  rows) and until all are published (confirmed by the broker).

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.bus.amqp import declare_topology
from aftercare_platform.clock import SystemClock
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from machine import CpuMeter, describe, percentile
from sla_timer.adapters.clock_codec import clock_from_dict, clock_to_dict
from sla_timer.adapters.firing_plan import firing_plan
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.sla_events import CaseRef, json_time
from sla_timer.bootstrap import definition
from sla_timer.domain.clock import start_clock
from sla_timer.domain.policy_yaml import load_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority

# one deadline per clock (no warnings): the breach of a 1-hour first response, on a 24x7 calendar
BENCH_POLICY = """
default_policy: bench
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
             fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  bench:
    targets:
      P1:
        FIRST_RESPONSE:
          target: 1h
          calendar: always
          breach_actions:
            - {type: notify, roles: [supervisor], channels: [sms, email]}
            - {type: escalate, tiers: 1}
"""
TARGET = timedelta(hours=1)
COLUMNS = (
    "case_id",
    "kind",
    "status",
    "state",
    "next_due_at",
    "version",
    "case_number",
    "region",
    "company_id",
    "updated_at",
    "plan",
)
REF = datetime(2030, 1, 1, tzinfo=UTC)  # the template clock's start; replaced row by row
REF_CASE = "00000000-0000-4000-8000-000000000000"
REF_NUMBER = "EAST-20300101-000000"
SERVICE_SETTINGS: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def prepare(url: str, amqp: str) -> None:
    settings = definition.settings(database_url=url, amqp_url=amqp)
    await migrate(definition, settings)
    database = open_database(definition, settings, SystemClock())
    try:
        store = PolicyStore()
        await store.seed_defaults(database)
        async with database.unit_of_work() as uow:
            await store.lock(uow.session)
            await store.replace_all(uow.session, load_policy_set(BENCH_POLICY), uow.clock.now(), "bench")
    finally:
        await database.close()


def _template() -> tuple[str, str]:
    """A running clock's document and its firing plan (what the consumer writes), to copy row by row."""
    policy_set = load_policy_set(BENCH_POLICY)
    target = policy_set.policy("bench").target_for(Priority.P1, ClockKind.FIRST_RESPONSE)
    clock = start_clock(
        None,
        case_id=REF_CASE,
        kind=ClockKind.FIRST_RESPONSE,
        at=REF,
        priority=Priority.P1,
        policy="bench",
        target=target,
        calendars=policy_set.calendars,
    ).clock
    plan = firing_plan(clock, CaseRef(REF_NUMBER, "east", "company-a"), policy_set.calendars)
    return json.dumps(clock_to_dict(clock), separators=(",", ":")), json.dumps(plan, separators=(",", ":"))


def clock_rows(due_instants: Iterator[datetime], prefix: str) -> Iterator[tuple[object, ...]]:
    """Rows of running clocks whose breach is due at each instant (the state is the domain's own JSON)."""
    (template, plan_template), ref_start, ref_due = _template(), REF.isoformat(), (REF + TARGET).isoformat()
    for n, due in enumerate(due_instants):
        case_id, case_number = str(uuid.uuid4()), f"{prefix}-{n:08d}"

        def fill(text: str, case_id: str = case_id, due: datetime = due, case_number: str = case_number) -> str:
            return text.replace(REF_CASE, case_id).replace(ref_due, due.isoformat()).replace(REF_NUMBER, case_number)

        started = due - TARGET
        state = fill(template).replace(ref_start, started.isoformat())
        plan = (
            fill(plan_template)
            .replace(json_time(REF + TARGET), json_time(due))
            .replace(f'"month":"{REF:%Y-%m}"', f'"month":"{due:%Y-%m}"')  # the bench calendar is in UTC
        )
        if n == 0:  # the copied text must be what the service itself would write
            policy_set = load_policy_set(BENCH_POLICY)
            clock = clock_from_dict(json.loads(state))
            ref = CaseRef(case_number, "east", "company-a")
            assert json.loads(plan) == firing_plan(clock, ref, policy_set.calendars)
        yield (case_id, "FIRST_RESPONSE", "RUNNING", state, due, 1, case_number, "east", "company-a", started, plan)


async def seed(url: str, rows: Iterator[tuple[object, ...]], chunk: int = 50_000) -> int:
    connection = await asyncpg.connect(dsn(url))
    total = 0
    try:
        while True:
            batch = [row for _, row in zip(range(chunk), rows, strict=False)]
            if not batch:
                return total
            await connection.copy_records_to_table("clocks", schema_name="sla_timer", records=batch, columns=COLUMNS)
            total += len(batch)
    finally:
        await connection.close()


async def scalar(url: str, sql: str) -> object:
    connection = await asyncpg.connect(dsn(url))
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


class Service:
    """`python -m sla_timer` with AFTERCARE_* settings; its memory read from /proc."""

    def __init__(self, url: str, amqp: str, **settings: str) -> None:
        self.http_port = free_port()
        self.env = {
            **os.environ,
            "AFTERCARE_DATABASE_URL": url,
            "AFTERCARE_AMQP_URL": amqp,
            "AFTERCARE_HTTP_PORT": str(self.http_port),
            "AFTERCARE_GRPC_PORT": str(free_port()),
            "AFTERCARE_HTTP_HOST": "127.0.0.1",
            "AFTERCARE_GRPC_HOST": "127.0.0.1",
            "AFTERCARE_LOG_LEVEL": "WARNING",
            "AFTERCARE_MIGRATE_ON_START": "false",
            **{f"AFTERCARE_{k.upper()}": v for k, v in {**SERVICE_SETTINGS, **settings}.items()},
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Service:
        self.process = await asyncio.create_subprocess_exec(sys.executable, "-m", "sla_timer", env=self.env)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError("sla-timer exited at start")
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.http_port)
                writer.write(b"GET /readyz HTTP/1.0\r\n\r\n")
                status = await reader.readline()
                writer.close()
                if b" 200 " in status:
                    return self
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError("sla-timer did not become ready")

    def memory_mib(self) -> tuple[float, float]:
        assert self.process is not None
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.split()
        return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def fresh_database(admin: str, amqp: str) -> tuple[str, str]:
    name, url = await create_database(admin, "aftercare_bench_sla")
    await prepare(url, amqp)
    return name, url


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


def print_legs(legs: list[asyncpg.Record], arrivals: dict[str, datetime]) -> None:
    """Where the time between firing and delivery goes: committed with its outbox row -> marked sent by the
    relay (after the broker's confirm), and committed -> delivered to the subscriber."""
    to_sent = sorted((r["sent_at"] - r["fired_at"]).total_seconds() * 1000 for r in legs if r["sent_at"])
    to_arrival = sorted((arrivals[r["event_id"]] - r["fired_at"]).total_seconds() * 1000
                        for r in legs if r["event_id"] in arrivals)
    if to_sent and to_arrival:
        print(f"    fired -> delivered p50 {percentile(to_arrival, 0.5):.1f} ms, p99 {percentile(to_arrival, 0.99):.1f}"
              f" ms; fired -> marked sent (confirmed) p50 {percentile(to_sent, 0.5):.1f} ms, "
              f"p99 {percentile(to_sent, 0.99):.1f} ms", flush=True)


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
        conn = await asyncpg.connect(dsn(url))
        rows = await conn.fetch("SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms FROM sla_timer.fired")
        legs = await conn.fetch(
            "SELECT f.event_id, f.fired_at, o.sent_at FROM sla_timer.fired f "
            "JOIN sla_timer.outbox o ON o.event_id::text = f.event_id")
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


async def burst(admin: str, amqp: str, count: int, replicas: int) -> None:
    name, url = await fresh_database(admin, amqp)
    services: list[Service] = []
    try:
        services = [await Service(url, amqp).start() for _ in range(replicas)]
        due = datetime.now(UTC) + timedelta(seconds=8)
        await seed(url, clock_rows((due for _ in range(count)), "B"))
        meter = CpuMeter({f"sla-timer {n + 1}": s.process.pid for n, s in enumerate(services) if s.process})
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        cpu_before = meter.read()
        conn = await asyncpg.connect(dsn(url))
        fired_s = published_s = None
        while published_s is None:
            elapsed = (datetime.now(UTC) - due).total_seconds()
            if fired_s is None and await conn.fetchval("SELECT count(*) FROM sla_timer.fired") >= count:
                fired_s = elapsed
            if fired_s is not None and not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM sla_timer.outbox WHERE sent_at IS NULL)"
            ):
                published_s = elapsed
            if elapsed > 300 or (fired_s is not None and elapsed > fired_s + 60):
                break
            await asyncio.sleep(0.02)
        # where the time goes: firing and publishing the burst, by process (the bench polls every 20 ms)
        cpu = meter.since(cpu_before, max(1, count // 1000), "1,000 deadlines")
        early = await conn.fetchval("SELECT count(*) FROM sla_timer.fired WHERE fired_at < due_at")
        first, last = await conn.fetchrow("SELECT min(sent_at), max(sent_at) FROM sla_timer.outbox")
        await conn.close()
        print(
            f"  burst: {count:,} deadlines due at one instant, {replicas} replica(s): all fired (committed "
            f"with their outbox rows) {seconds(fired_s)} after the instant, all published {seconds(published_s)} "
            f"after it; {early} early",
            flush=True,
        )
        if first is not None and last is not None and last > first:
            # where the publishing time goes: waiting for firing to finish, then the relay's own rate
            print(f"    the relay confirmed its first event {(first - due).total_seconds():.2f} s after the instant, "
                  f"its last {(last - due).total_seconds():.2f} s after: "
                  f"{count / (last - first).total_seconds():,.0f} events/s while it published", flush=True)
        print(f"    {cpu}", flush=True)
    finally:
        for service in services:
            await service.stop()
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
            await burst(admin, amqp, args.burst, args.replicas)


if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    asyncio.run(main())
