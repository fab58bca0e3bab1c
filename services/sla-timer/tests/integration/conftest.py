"""sla-timer on this test's PostgreSQL database and the session's RabbitMQ vhost, with a policy in seconds.

Case events go in the way the cases service sends them (CloudEvent JSON on `aftercare.events` with
its routing key); SLA events are taken off a queue of our own bound to `sla.#`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.clock import SystemClock
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import terminate
from aftercare_platform.testing.waiting import eventually
from google.protobuf.timestamp_pb2 import Timestamp
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.bootstrap import definition
from sla_timer.domain.policy_yaml import load_policy_set
from sla_timer.settings import SlaTimerSettings

__all__ = ["eventually"]

# first response in 6 s with warnings at 2 s and 4 s; the other clocks promise nothing at P1
SECONDS_POLICY = """
default_policy: seconds
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
             fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  seconds:
    description: the test policy, in seconds
    targets:
      P1:
        FIRST_RESPONSE:
          target: 6s
          calendar: always
          warnings:
            - {after: 2s, actions: [{type: notify, roles: [assignee], channels: [sms, email]}]}
            - {after: 4s, actions: [{type: notify, roles: [assignee, supervisor], channels: [sms, email]}]}
          breach_actions:
            - {type: notify, roles: [supervisor], channels: [sms, email]}
            - {type: reassign}
            - {type: escalate, tiers: 1}
"""
SLA_EVENTS = ("warning", "breached", "met", "breach_withdrawn", "met_withdrawn")
POLICY_APPLIED = "aftercare.sla.policy_applied.v1"




def pg_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


async def prepare_database(database_url: str, amqp_url: str) -> None:
    """Migrate and put the seconds policy in place before any sla-timer starts on this database."""
    settings = definition.settings(database_url=database_url, amqp_url=amqp_url)
    await migrate(definition, settings)
    database = open_database(definition, settings, clock=SystemClock())
    try:
        store = PolicyStore()
        await store.seed_defaults(database)
        async with database.unit_of_work() as uow:
            await store.lock(uow.connection)
            await store.replace_all(uow.connection, load_policy_set(SECONDS_POLICY), uow.clock.now(), "test")
    finally:
        await database.close()


def _stamp(instant: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


@dataclass
class Case:
    case_id: str
    case_number: str
    company_id: str = "company-a"
    region: str = "east"
    contract_id: str = "contract-1"
    priority: int = cases_pb2.PRIORITY_P1

    def event(self, verb: str, at: datetime, event_id: str | None = None, **facts: Any) -> CloudEvent:
        message_class = getattr(case_events, "Case" + "".join(p.capitalize() for p in verb.split("_")))
        message = message_class(
            case_id=self.case_id,
            case_number=self.case_number,
            region=self.region,
            company_id=self.company_id,
            contract_id=self.contract_id,
            priority=self.priority,
            occurred_at=_stamp(at),
            **facts,
        )
        return CloudEvent(
            type=f"aftercare.case.{verb}.v1",
            source="/services/cases",
            subject=self.case_id,
            region=self.region,
            data=payload_to_dict(message),
            time=at,
            **({"id": event_id} if event_id else {}),
        )


def new_case(number: int, **fields: Any) -> Case:
    return Case(case_id=str(uuid.uuid4()), case_number=f"EA-20261122-{number:06d}", **fields)


@dataclass
class Received:
    event: dict[str, Any]
    # wall clock when our queue got it
    at: datetime


@dataclass
class Bus:
    """Publishes case events as the cases service does; collects what sla-timer publishes."""

    broker: AmqpBroker
    # the clock events (warning, breached, met, ...)
    received: list[Received] = field(default_factory=list)
    # aftercare.sla.policy_applied.v1: no clock, the case's policy and its reply settings
    applied: list[Received] = field(default_factory=list)

    async def publish(self, event: CloudEvent) -> None:
        await self.broker.publish(
            OutgoingMessage(body=event.to_json(), message_id=event.id, routing_key=event.routing_key)
        )

    def of(self, case: Case, *types: str) -> list[dict[str, Any]]:
        wanted = {f"aftercare.sla.{t}.v1" for t in (types or SLA_EVENTS)}
        return [r.event for r in self.received if r.event["subject"] == case.case_id and r.event["type"] in wanted]

    def emitted(self, case: Case | None = None) -> Counter[str]:
        """Events sla-timer emitted, by type: distinct event ids, so a relay's second publish of one is not counted
        (the outbox keeps unsent rows only, so the tap is where what was emitted is counted)."""
        ids = {(r.event["id"], r.event["type"]) for r in self.received + self.applied
               if case is None or r.event["subject"] == case.case_id}
        return Counter(event_type for _, event_type in ids)

    def kinds(self, case: Case) -> list[str]:
        return [e["type"].split(".")[2] for e in self.of(case)]

    async def wait_for(self, count: int, case: Case | None = None, within: float = 30) -> None:
        async def enough() -> bool:
            got = len(self.of(case)) if case is not None else len(self.received)
            return got >= count

        await eventually(enough, within=within, what=f"{count} SLA events")


@pytest.fixture
async def bus(amqp_url: str) -> AsyncIterator[Bus]:
    broker = AmqpBroker(amqp_url, connection_name="sla-timer-test")
    await broker.connect()
    tap = Bus(broker)
    channel = await broker.connection.channel()
    exchange = await channel.get_exchange("aftercare.events")
    queue = await channel.declare_queue(f"slatest.events-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True)
    await queue.bind(exchange, routing_key="sla.#")

    async def on_message(message: Any) -> None:
        event = json.loads(message.body)
        kept = tap.applied if event["type"] == POLICY_APPLIED else tap.received
        kept.append(Received(event, datetime.now(UTC)))

    await queue.consume(on_message, no_ack=True)
    try:
        yield tap
    finally:
        await channel.close()
        await broker.close()


@dataclass
class Sla:
    settings: SlaTimerSettings
    grpc_target: str
    http: httpx.AsyncClient

    def token(self, subject: str, role: str, company: str | None = None) -> str:
        return mint_token(self.settings, subject, role, company=company)

    def auth(self, subject: str, role: str, company: str | None = None) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token(subject, role, company)}")]


@asynccontextmanager
async def running_sla(database_url: str, amqp_url: str, **overrides: Any) -> AsyncIterator[Sla]:
    """sla-timer in this process, on its real ports (the database already prepared)."""
    http_port, grpc_port = free_port(), free_port()
    settings = SlaTimerSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        http_port=http_port,
        grpc_port=grpc_port,
        http_host="127.0.0.1",
        grpc_host="127.0.0.1",
        shutdown_grace_seconds=2,
        log_json=False,
        **overrides,
    )
    async with service_in_process(definition, settings) as http:
        yield Sla(settings, f"127.0.0.1:{grpc_port}", http)


@pytest.fixture
async def sla(database_url: str, amqp_url: str, bus: Bus) -> AsyncIterator[Sla]:
    await prepare_database(database_url, amqp_url)
    async with running_sla(database_url, amqp_url) as service:
        yield service


class ServiceProcess:
    """`python -m sla_timer` as a real process, configured by AFTERCARE_* variables."""

    def __init__(self, database_url: str, amqp_url: str, **settings: str) -> None:
        self.http_port = free_port()
        self.env = {
            **os.environ,
            "AFTERCARE_DATABASE_URL": database_url,
            "AFTERCARE_AMQP_URL": amqp_url,
            "AFTERCARE_HTTP_HOST": "127.0.0.1",
            "AFTERCARE_GRPC_HOST": "127.0.0.1",
            "AFTERCARE_HTTP_PORT": str(self.http_port),
            "AFTERCARE_GRPC_PORT": str(free_port()),
            "AFTERCARE_LOG_JSON": "false",
            "AFTERCARE_DRAIN_SECONDS": "0",
            **{f"AFTERCARE_{k.upper()}": v for k, v in settings.items()},
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> ServiceProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sla_timer",
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return self

    async def wait_ready(self, within: float = 90) -> None:
        async def ready() -> bool:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"sla-timer exited with {self.process.returncode}")
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"http://127.0.0.1:{self.http_port}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, within=within, what="the sla-timer process ready")

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback sent, in-flight transactions die with the connection."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None:
            await terminate(self.process)


@pytest.fixture
async def processes() -> AsyncIterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for process in started:
        await process.kill()


async def query(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(pg_dsn(database_url))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def monotonic() -> float:
    return time.monotonic()


def utc_now() -> datetime:
    return datetime.now(UTC)


SECOND = timedelta(seconds=1)
