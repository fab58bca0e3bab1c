"""Intake in-process on this test's PostgreSQL database and the session's RabbitMQ vhost, and the real
cases service as its own process (`python -m cases`), reached through their real ports."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import terminate
from aftercare_platform.testing.waiting import eventually
from intake.bootstrap import definition
from intake.settings import IntakeSettings

# every test of this package shares one service stack (and so one event loop)
LOOP = "package"




def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class CasesProcess:
    """The cases service in its own process; stop() and start() again simulate an outage."""

    env: dict[str, str]
    grpc_port: int
    http_port: int
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    async def start(self, *, migrate: bool = True) -> None:
        env = {**self.env, "AFTERCARE_MIGRATE_ON_START": "true" if migrate else "false"}
        with self.log.open("ab") as log:  # a file, not a pipe nobody reads: a chatty process never blocks
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cases", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log)
        process = self.process

        async def ready() -> bool:
            if process.returncode is not None:
                error = self.log.read_text(errors="replace")[-2000:]
                raise AssertionError(f"the cases process exited with {process.returncode}: {error}")
            return await asyncio.to_thread(_ready, self.http_port)

        await eventually(ready, within=60, what="the cases process ready")

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        await terminate(self.process)
        self.process = None


@dataclass
class Intake:
    settings: IntakeSettings
    stub: Any  # IntakeServiceStub
    http: httpx.AsyncClient
    cases_stub: Any  # CaseServiceStub (the real cases process)
    smtp_port: int

    def auth(self, subject: str = "agent-1", role: str = "agent", company: str | None = None,
             companies: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        token = mint_token(self.settings, subject, role, company=company, companies=companies)
        return [("authorization", f"Bearer {token}")]

    def headers(self, subject: str = "agent-1", role: str = "agent") -> dict[str, str]:
        return dict(self.auth(subject, role))

    async def case(self, case_number: str) -> cases_pb.Case:
        reply = await self.cases_stub.GetCase(cases_pb.GetCaseRequest(case_number=case_number),
                                              metadata=self.auth("desk", "agent"))
        return reply.case

    async def notes(self, case_number: str) -> list[cases_pb.TimelineEntry]:
        reply = await self.cases_stub.GetTimeline(
            cases_pb.GetTimelineRequest(case_number=case_number, page={"page_size": 200}),
            metadata=self.auth("desk", "agent"))
        return [entry for entry in reply.entries if entry.kind == "note_added"]

    async def receipt(self, receipt_id: str) -> pb.Receipt:
        reply = await self.stub.GetReceipt(pb.GetReceiptRequest(receipt_id=receipt_id), metadata=self.auth())
        return reply.receipt

    async def cases_of(self, company_id: str) -> list[cases_pb.Case]:
        found, token = [], ""
        while True:
            reply = await self.cases_stub.ListCases(
                cases_pb.ListCasesRequest(filter=cases_pb.CaseFilter(company_ids=[company_id]),
                                          page={"page_size": 200, "page_token": token}),
                metadata=self.auth("desk", "agent"))
            found += list(reply.cases)
            token = reply.page.next_page_token
            if not token:
                return found

    async def register(self, customer: Customer) -> Customer:
        """A company with a contact (phone and email), a site, a contract and one camera there."""
        agent = self.auth()
        await self.stub.CreateCompany(pb.CreateCompanyRequest(
            company=pb.Company(company_id=customer.company_id, name=f"{customer.company_id} Ltd", region="east")),
            metadata=agent)
        await self.stub.CreateSite(pb.CreateSiteRequest(site=pb.Site(
            site_id=customer.site_id, company_id=customer.company_id, name="Gate 3", address="1 Harbour Road",
            region="east")), metadata=agent)
        await self.stub.CreateContact(pb.CreateContactRequest(contact=pb.Contact(
            contact_id=f"{customer.company_id}-K1", company_id=customer.company_id, name="Li Lei",
            phone=customer.phone, email=customer.email, site_id=customer.site_id)), metadata=agent)
        await self.stub.CreateContract(pb.CreateContractRequest(contract=pb.Contract(
            contract_id=customer.contract_id, company_id=customer.company_id, sla_policy="default",
            start_on="2025-01-01", acceptance_on=customer.accepted_on)), metadata=agent)
        await self.stub.CreateAsset(pb.CreateAssetRequest(asset=pb.Asset(
            serial_number=customer.serial, manufacturer="Hikvision", model="DS-2CD", site_id=customer.site_id,
            contract_id=customer.contract_id)), metadata=agent)
        return customer


_customers = itertools.count(1)
SMS_WEBHOOK_TOKEN = "sms-gateway-token-0123456789abcdef0123"


@dataclass(frozen=True)
class Customer:
    """Registry data of one test's own customer, so tests sharing one service never see each other's cases."""

    company_id: str
    phone: str
    email: str
    serial: str
    accepted_on: str = "2025-06-01"

    @classmethod
    def make(cls, name: str, accepted_on: str = "2025-06-01") -> Customer:
        number = next(_customers)
        return cls(f"{name.upper()}-{number}", f"+861380013{number:04d}", f"li.lei@{name.lower()}{number}.example.cn",
                   f"CAM-{name.upper()}-{number}", accepted_on)

    @property
    def site_id(self) -> str:
        return f"{self.company_id}-S1"

    @property
    def contract_id(self) -> str:
        return f"{self.company_id}-C1"


@dataclass
class Stack:
    cases: CasesProcess
    intake: Intake


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One database, one cases process and one intake for the whole package: starting them takes seconds."""
    name, database_url = await create_database(servers.pg_admin_url, prefix="intake_it")
    amqp_url = servers.amqp_url
    grpc_port, http_port = free_port(), free_port()
    env = {**os.environ, "AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_AMQP_URL": amqp_url,
           "AFTERCARE_HTTP_PORT": str(http_port), "AFTERCARE_GRPC_PORT": str(grpc_port),
           "AFTERCARE_HTTP_HOST": "127.0.0.1", "AFTERCARE_GRPC_HOST": "127.0.0.1", "AFTERCARE_DRAIN_SECONDS": "0",
           "AFTERCARE_SHUTDOWN_GRACE_SECONDS": "2", "AFTERCARE_LOG_LEVEL": "WARNING"}
    env.pop("AFTERCARE_SERVICE_NAME", None)
    cases = CasesProcess(env, grpc_port, http_port, tmp_path_factory.mktemp("cases") / "cases.log")
    await cases.start()
    try:
        async with run_intake(database_url, amqp_url, cases, tmp_path_factory.mktemp("intake")) as intake:
            yield Stack(cases, intake)
    finally:
        await cases.stop()
        await drop_database(servers.pg_admin_url, name)


@pytest.fixture
def intake(stack: Stack) -> Intake:
    return stack.intake


@pytest.fixture
def database_url(stack: Stack) -> str:
    return stack.intake.settings.database_url


@contextlib.asynccontextmanager
async def run_intake(database_url: str, amqp_url: str, cases: CasesProcess, tmp_path: Path,
                     **overrides: Any) -> AsyncIterator[Intake]:
    http_port, grpc_port, smtp_port = free_port(), free_port(), free_port()
    settings = IntakeSettings(
        database_url=database_url, amqp_url=amqp_url, http_port=http_port, grpc_port=grpc_port,
        http_host="127.0.0.1", grpc_host="127.0.0.1", smtp_host="127.0.0.1", smtp_port=smtp_port,
        cases_grpc_target=cases.target, cases_reconnect_max_seconds=0.5, attachment_dir=tmp_path / "attachments",
        delivery_initial_backoff_seconds=0.2, delivery_max_backoff_seconds=1.0, delivery_poll_seconds=0.2,
        submit_wait_seconds=5.0, shutdown_grace_seconds=2, log_json=False, log_level="WARNING",
        sms_webhook_token=SMS_WEBHOOK_TOKEN, **{"web_form_burst": 20, "web_form_per_minute": 60, **overrides})
    async with service_in_process(definition, settings) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel, \
            grpc.aio.insecure_channel(cases.target) as cases_channel:
        http.headers["x-webhook-token"] = SMS_WEBHOOK_TOKEN  # what the SMS gateway is configured to send
        yield Intake(settings, intake_pb2_grpc.IntakeServiceStub(channel), http,
                     cases_pb2_grpc.CaseServiceStub(cases_channel), smtp_port)
