"""The stack as real processes (`python -m <service>`) on one fresh PostgreSQL database and this test
session's RabbitMQ vhost: cases, intake, dispatch and inspection itself; tests reach them only through
their gRPC ports and watch the broker through a queue of their own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.processes import EventTap, ServiceProcess

LOOP = "package"
SETTINGS = ServiceSettings()
REGION = "east"


def auth(subject: str, role: str, company: str | None = None) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {mint_token(SETTINGS, subject, role, company=company)}")]


AGENT = auth("agent-1", "agent")
ENGINEER = auth("eng-1", "engineer")
ADMIN = auth("admin-1", "admin")


class InspectionTap(EventTap):
    BINDINGS = ("inspection.#", "watch.#", "visit.#", "case.#")


@dataclass
class Stack:
    cases_process: ServiceProcess
    intake_process: ServiceProcess
    inspection_process: ServiceProcess
    inspection: Any  # InspectionServiceStub
    intake: Any
    cases: Any
    dispatch: Any
    tap: InspectionTap
    database_url: str = ""
    amqp_url: str = ""

    async def company(self, name: str) -> str:
        company_id = f"{name}-{uuid.uuid4().hex[:6]}"
        await self.intake.CreateCompany(intake_pb.CreateCompanyRequest(company=intake_pb.Company(
            company_id=company_id, name=f"{name} Ltd", region=REGION)), metadata=ADMIN)
        return company_id

    async def checklist(self, checklist_id: str) -> pb.Checklist:
        items = [pb.ChecklistItem(item_id="db", section="database", title="Database healthy",
                                  kind=pb.ITEM_KIND_PASS_FAIL),
                 pb.ChecklistItem(item_id="disk", section="storage", title="Disk used (%)", kind=pb.ITEM_KIND_VALUE,
                                  high=80.0, unit="%")]
        return (await self.inspection.PutChecklist(pb.PutChecklistRequest(checklist=pb.Checklist(
            checklist_id=checklist_id, name="System health", items=items)), metadata=AGENT)).checklist


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    name, database_url = await create_database(servers.pg_admin_url, prefix="inspection_it")
    logs = tmp_path_factory.mktemp("inspection-stack")
    common = {
        "database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION, "http_host": "127.0.0.1",
        "grpc_host": "127.0.0.1", "migrate_on_start": "true", "log_json": "false", "log_level": "WARNING",
        "drain_seconds": "0", "shutdown_grace_seconds": "3", "jwt_secret": SETTINGS.jwt_secret,
        "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
    }
    cases = ServiceProcess("cases", common, logs)
    intake = ServiceProcess("intake", {
        **common, "cases_grpc_target": cases.target, "cases_reconnect_max_seconds": "0.5",
        "delivery_initial_backoff_seconds": "0.2", "delivery_max_backoff_seconds": "1.0",
        "delivery_poll_seconds": "0.2", "submit_wait_seconds": "3", "smtp_port": "0",
        "attachment_dir": str(tmp_path_factory.mktemp("inspection-attachments")),
    }, logs)
    dispatch = ServiceProcess("dispatch", {**common, "cases_grpc_target": cases.target,
                                           "cases_reconnect_max_seconds": "0.5"}, logs)
    inspection = ServiceProcess("inspection", {
        **common, "intake_grpc_target": intake.target, "dispatch_grpc_target": dispatch.target,
        "tick_seconds": "0.2", "delivery_max_backoff_seconds": "0.5", "gateway_timeout_seconds": "3",
        "gateway_reconnect_max_seconds": "0.5", "schedule_every_seconds": "3600",
    }, logs)
    processes = [inspection, dispatch, intake, cases]  # the order they are stopped in
    tap = InspectionTap(await open_broker(servers.amqp_url, "inspection-it-tap"), f"inspection-it.tap-{name[-8:]}")
    channels: list[grpc.aio.Channel] = []
    failures: list[str] = []
    try:
        await tap.start()
        await cases.start()
        await asyncio.gather(intake.start(), dispatch.start())
        await inspection.start()
        channels = [grpc.aio.insecure_channel(p.target) for p in (inspection, intake, cases, dispatch)]
        yield Stack(cases, intake, inspection, inspection_pb2_grpc.InspectionServiceStub(channels[0]),
                    intake_pb2_grpc.IntakeServiceStub(channels[1]), cases_pb2_grpc.CaseServiceStub(channels[2]),
                    dispatch_pb2_grpc.DispatchServiceStub(channels[3]), tap, database_url, servers.amqp_url)
    finally:
        for channel in channels:
            await channel.close()
        for process in processes:
            if process.process is not None:
                await process.stop()
            if any(code != 0 for code in process.exit_codes):
                failures.append(f"{process.module} exited with {process.exit_codes}:\n{process.tail()}")
        await tap.close()
        await drop_database(servers.pg_admin_url, name)
    assert not failures, "\n\n".join(failures)
