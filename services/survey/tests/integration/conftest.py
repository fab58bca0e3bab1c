"""survey in-process on this package's PostgreSQL database and the session's RabbitMQ vhost, and the real
cases service as its own process (`python -m cases`); tests reach them only through their ports, and
watch the broker through a queue of their own."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.clock import SystemClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.service.assemble import open_database
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import EventTap, ServiceProcess
from survey.bootstrap import definition
from survey.reads import SurveyReads
from survey.settings import SurveySettings

LOOP = "package"
# the invitation goes out this long after the close: long enough for a reopen to come first
DELAY_SECONDS = 4.0
# a company whose invitations wait an hour (still scheduled while a test runs), one never sampled
LATER, UNSAMPLED = "SURVEY-LATER", "SURVEY-UNSAMPLED"
FAULT = cases_pb.FaultReport(cause="dust in the fan", method="cleaned it", result="works", prevention="filter")


class SurveyTap(EventTap):
    BINDINGS = ("case.#", "survey.#", "return_visit.#")


@dataclass
class Stack:
    settings: SurveySettings
    http: httpx.AsyncClient
    cases: Any  # CaseServiceStub on the real cases process
    tap: SurveyTap
    database: Database
    cases_process: ServiceProcess

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def auth(self, subject: str, role: str, company: str | None = None) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {mint_token(self.settings, subject, role, company=company)}")]

    @property
    def reads(self) -> SurveyReads:
        return SurveyReads(self.database)

    async def case(self, case_id: str) -> cases_pb.Case:
        return (await self.cases.GetCase(cases_pb.GetCaseRequest(case_id=case_id),
                                         metadata=self.auth("desk", "agent"))).case

    async def closed_case(self, *, email: str | None = None, company: str | None = None) -> cases_pb.Case:
        """A case of a company of its own, opened, worked, resolved and closed by the desk."""
        number = next(_numbers)
        agent, engineer = self.auth("agent-1", "agent"), self.auth("eng-1", "engineer")
        case = (await self.cases.CreateCase(cases_pb.CreateCaseRequest(
            request_id=f"survey-it-{number}-{id(self)}", region="east", company_id=company or f"SURVEY-{number}",
            contract_id=f"SURVEY-{number}-C1",
            caller=cases_pb.Caller(name="Li Lei", phone=f"+861380014{number:04d}",
                                   email=email or f"li.lei@survey{number}.example.cn"),
            asset=cases_pb.Asset(serial_number=f"SN-{number}", manufacturer="Hikvision", model="DS-2CD"),
            description="Camera 12 shows no picture", category=cases_pb.CATEGORY_B, kind=cases_pb.CASE_KIND_DEFECT,
            priority=cases_pb.PRIORITY_P3, channel=cases_pb.CHANNEL_HOTLINE), metadata=agent)).case
        ref = {"case_id": case.case_id}
        await self.cases.Assign(cases_pb.AssignRequest(**ref, assignee_id="eng-1"), metadata=agent)
        await self.cases.Acknowledge(cases_pb.AcknowledgeRequest(**ref), metadata=engineer)
        await self.cases.Resolve(cases_pb.ResolveRequest(**ref, fault_report=FAULT), metadata=engineer)
        return (await self.cases.Close(cases_pb.CloseRequest(**ref, reason="fixed"), metadata=agent)).case


_numbers = itertools.count(1)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    name, database_url = await create_database(servers.pg_admin_url, prefix="survey_it")
    logs = tmp_path_factory.mktemp("survey-stack")
    cases = ServiceProcess("cases", {
        "database_url": database_url, "amqp_url": servers.amqp_url, "http_host": "127.0.0.1",
        "grpc_host": "127.0.0.1", "drain_seconds": "0", "shutdown_grace_seconds": "2", "log_level": "WARNING",
        "log_json": "false"}, logs)
    await cases.start()
    tap = SurveyTap(await open_broker(servers.amqp_url, "survey-it-tap"), f"survey-it.tap-{name.replace('_', '-')}")
    await tap.start()
    http_port = free_port()
    settings = SurveySettings(
        database_url=database_url, amqp_url=servers.amqp_url, http_port=http_port, grpc_port=free_port(),
        http_host="127.0.0.1", grpc_host="127.0.0.1", cases_grpc_target=cases.target,
        invitation_delay_seconds=DELAY_SECONDS, worker_poll_seconds=0.2, worker_max_backoff_seconds=1.0,
        cases_reconnect_max_seconds=0.5, company_invitation_delay_seconds={LATER: 3600.0},
        company_sampling={UNSAMPLED: 0.0},
        public_base_url=f"http://127.0.0.1:{http_port}", survey_link_secret="integration-secret",
        shutdown_grace_seconds=2, log_json=False, log_level="WARNING")
    database = open_database(definition, settings, SystemClock())
    try:
        async with service_in_process(definition, settings) as http, \
                grpc.aio.insecure_channel(cases.target) as channel:
            yield Stack(settings, http, cases_pb2_grpc.CaseServiceStub(channel), tap, database, cases)
    finally:
        await database.close()
        await tap.close()
        if cases.running:
            await cases.stop()
        await drop_database(servers.pg_admin_url, name)
