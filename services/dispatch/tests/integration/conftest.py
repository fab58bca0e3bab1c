"""Dispatch with its neighbours as real processes: cases, sla-timer and two dispatch replicas
(`python -m cases|sla_timer|dispatch`) on this test's PostgreSQL database and the session's RabbitMQ
vhost. sla-timer gets a policy in seconds whose first-response warning says "reassign"."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare.sla.v1 import sla_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.processes import EventTap, ServiceProcess
from google.protobuf.duration_pb2 import Duration

SETTINGS = ServiceSettings()
REGION = "east"
POLICY = "dispatch-seconds"
# a P1 case must be answered in 12 s; at 4 s without an answer the assignee is replaced (the 45-minute
# rule, in seconds), at 8 s the supervisor is told; an engineer must be on site 6 s after a visit is requested;
# the original vendor must answer a P3 case 3 s after it took it (the underpinning contract)
SECONDS_POLICY = f"""
default_policy: {POLICY}
calendars:
  always:
    time_zone: UTC
    weekly: {{mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
             fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}}
policies:
  {POLICY}:
    description: dispatch's integration tests, in seconds
    targets:
      P1:
        FIRST_RESPONSE:
          target: 12s
          calendar: always
          warnings:
            - {{after: 4s, actions: [{{type: reassign}}]}}
            - {{after: 8s, actions: [{{type: notify, roles: [assignee, supervisor], channels: [sms]}}]}}
          breach_actions:
            - {{type: notify, roles: [supervisor], channels: [sms, email]}}
        ON_SITE:
          target: 6s
          calendar: always
      P3:
        VENDOR_RESPONSE:
          target: 3s
          calendar: always
"""
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000)]


def auth(subject: str, role: str, company: str | None = None, regions: tuple[str, ...] | list[str] = ()
         ) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {mint_token(SETTINGS, subject, role, company=company, regions=regions)}")]


AGENT = auth("desk-1", "agent")
ADMIN = auth("admin-1", "admin")
SUPERVISOR = auth("sup-1", "supervisor")


class DispatchTap(EventTap):
    BINDINGS = ("case.#", "sla.#", "dispatch.#", "visit.#", "loaner.#", "rma.#", "vendor.#")


@dataclass
class Stack:
    cases: ServiceProcess
    sla: ServiceProcess
    dispatchers: list[ServiceProcess]
    cases_api: Any
    sla_api: Any
    dispatch_api: Any
    events: DispatchTap
    database_url: str
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    async def query(self, sql: str, *args: Any) -> list[Any]:
        connection = await asyncpg.connect(self.database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()


def seconds(value: float) -> Duration:
    out = Duration()
    out.FromMilliseconds(int(value * 1000))
    return out


def engineer(engineer_id: str, tier: int = pb.ENGINEER_TIER_DUTY_ENGINEER, capacity: int = 10) -> pb.Engineer:
    return pb.Engineer(engineer_id=engineer_id, subject=engineer_id, name=engineer_id.title(), tier=tier,
                       regions=[REGION], capacity=capacity, active=True)


def round_the_clock(roster_id: str, *members: str) -> pb.Roster:
    """One 24-hour layer per member: everyone named is on duty all the time."""
    layers = [pb.RotationLayer(name=f"{m}-layer", member_ids=[m], rule="FREQ=DAILY;BYHOUR=0;BYMINUTE=0",
                               start_local="2026-01-01T00:00:00", shift_length=seconds(24 * 3600),
                               days=pb.DAY_FILTER_ALL) for m in members]
    return pb.Roster(roster_id=roster_id, name=roster_id, region=REGION, team="east-field",
                     time_zone="Asia/Shanghai", layers=layers)


def p1_case(request_id: str, company: str) -> cases_pb.CreateCaseRequest:
    return cases_pb.CreateCaseRequest(
        request_id=request_id, region=REGION, company_id=company, contract_id="contract-1",
        caller=cases_pb.Caller(name="Li Lei", phone="+86 138 0000 0000"),
        asset=cases_pb.Asset(serial_number="SN-1", manufacturer="Hikvision", model="DS-2CD", site="Gate 3"),
        description="the whole camera network is down", category=cases_pb.CATEGORY_A,
        kind=cases_pb.CASE_KIND_DEFECT, priority=cases_pb.PRIORITY_P1, channel=cases_pb.CHANNEL_HOTLINE,
    )


@pytest.fixture
async def stack(database_url: str, amqp_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    common = {
        "database_url": database_url, "amqp_url": amqp_url, "region": REGION, "http_host": "127.0.0.1",
        "grpc_host": "127.0.0.1", "migrate_on_start": "true", "log_json": "false", "log_level": "WARNING",
        "drain_seconds": "0", "shutdown_grace_seconds": "5", "jwt_secret": SETTINGS.jwt_secret,
        "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
    }
    cases = ServiceProcess("cases", common, tmp_path)
    sla = ServiceProcess("sla_timer", common, tmp_path)
    # a consumer holds two connections per message (its inbox and the decision): keep well under the pool,
    # and the shared PostgreSQL's connection limit
    dispatch_settings = {**common, "cases_grpc_target": cases.target, "cases_reconnect_max_seconds": "0.5",
                         "prefetch": "8"}
    dispatchers = [ServiceProcess("dispatch", dispatch_settings, tmp_path / f"replica-{i}") for i in (1, 2)]
    for replica in dispatchers:
        replica.log.parent.mkdir(parents=True, exist_ok=True)
    events = DispatchTap(await open_broker(amqp_url, "dispatch-tap"), f"dispatch-test.tap-{uuid.uuid4().hex[:8]}")
    channels: list[grpc.aio.Channel] = []
    processes = [*dispatchers, sla, cases]  # the order they are stopped in
    try:
        await events.start()
        await asyncio.gather(cases.start(), sla.start())
        # one replica migrates first, so two fresh processes never race on the schema
        await dispatchers[0].start()
        await dispatchers[1].start()
        channels = [grpc.aio.insecure_channel(p.target, options=CHANNEL_OPTIONS) for p in (cases, sla, dispatchers[0])]
        running = Stack(cases, sla, dispatchers, cases_pb2_grpc.CaseServiceStub(channels[0]),
                        sla_pb2_grpc.SlaServiceStub(channels[1]), dispatch_pb2_grpc.DispatchServiceStub(channels[2]),
                        events, database_url, channels)
        imported = await running.sla_api.ImportPolicySet(
            sla_pb.ImportPolicySetRequest(yaml=SECONDS_POLICY, replace=False), metadata=ADMIN)
        assert imported.default_policy == POLICY
        yield running
    finally:
        for channel in channels:
            await channel.close()
        failures = []
        for process in processes:
            if process.process is not None:
                await process.stop()
            if any(code != 0 for code in process.exit_codes):
                failures.append(f"{process.module} exited with {process.exit_codes}:\n{process.tail()}")
        await events.close()
    assert not failures, "\n\n".join(failures)
