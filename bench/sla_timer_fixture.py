"""What bench_sla_timer.py runs against: a fresh database with the bench's policy, running clocks seeded
with COPY (as the consumer would leave them), and the service as a real process (`python -m sla_timer`)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
from aftercare_platform.clock import SystemClock
from aftercare_platform.db.listen import asyncpg_dsn
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing.infra import create_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import terminate
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


async def prepare(url: str, amqp: str) -> None:
    settings = definition.settings(database_url=url, amqp_url=amqp)
    await migrate(definition, settings)
    database = open_database(definition, settings, SystemClock())
    try:
        store = PolicyStore()
        await store.seed_defaults(database)
        async with database.unit_of_work() as uow:
            await store.lock(uow.connection)
            await store.replace_all(uow.connection, load_policy_set(BENCH_POLICY), uow.clock.now(), "bench")
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
    connection = await asyncpg.connect(asyncpg_dsn(url))
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
    connection = await asyncpg.connect(asyncpg_dsn(url))
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
        # --set relay_in_process=false: the relay runs beside it (`python -m sla_timer relay`), as a sidecar would
        self.sidecar: asyncio.subprocess.Process | None = None

    async def start(self) -> Service:
        self.process = await asyncio.create_subprocess_exec(sys.executable, "-m", "sla_timer", env=self.env)
        await _ready(self.process, self.http_port)
        if self.env.get("AFTERCARE_RELAY_IN_PROCESS", "true").lower() == "false":
            port = free_port()
            self.sidecar = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sla_timer", "relay", env={**self.env, "AFTERCARE_HTTP_PORT": str(port)})
            await _ready(self.sidecar, port)
        return self

    def pids(self, n: int) -> dict[str, int]:
        """The processes whose CPU a run counts: the service and its relay sidecar, if any."""
        found = {f"sla-timer {n}": self.process.pid} if self.process else {}
        if self.sidecar is not None:
            found[f"relay {n}"] = self.sidecar.pid
        return found

    def memory_mib(self) -> tuple[float, float]:
        assert self.process is not None
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.split()
        return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024

    async def stop(self) -> None:
        for process in (self.process, self.sidecar):
            if process is not None:
                await terminate(process)


async def _ready(process: asyncio.subprocess.Process, http_port: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError("sla-timer exited at start")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", http_port)
            writer.write(b"GET /readyz HTTP/1.0\r\n\r\n")
            status = await reader.readline()
            writer.close()
            if b" 200 " in status:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("sla-timer did not become ready")


async def fresh_database(admin: str, amqp: str) -> tuple[str, str]:
    name, url = await create_database(admin, "aftercare_bench_sla")
    await prepare(url, amqp)
    return name, url
