"""The platform as it runs in development: intake, cases and sla-timer as real processes
(`python -m intake`, `python -m cases`, `python -m sla_timer`) on one PostgreSQL database, each service
in its own schema (migrated at start), and this test session's RabbitMQ vhost. Tests reach the services
only through their gRPC and HTTP ports, and watch the broker through a queue of their own.

One stack serves the whole package: starting three services takes seconds. Every test works for
companies of its own, so the stories never see each other's cases."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare.sla.v1 import sla_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.processes import EventTap, ServiceProcess
from aftercare_platform.testing.waiting import eventually
from google.protobuf.message import Message

# every test of this package shares one running stack, and so one event loop
LOOP = "package"
REGION = "east"
# the token secret, issuer and audience the tests sign with; the processes are given the same
SETTINGS = ServiceSettings()

# Put into sla-timer through its API before any case opens, and made the default policy: a P1 case
# must be answered within 6 s, with warnings at 2 s and 4 s, and restored within 10 minutes.
POLICY = "e2e-seconds"
FIRST_RESPONSE_WARNINGS = (timedelta(seconds=2), timedelta(seconds=4))
FIRST_RESPONSE_TARGET = timedelta(seconds=6)
RESTORE_TARGET = timedelta(minutes=10)
# a contract may select this one instead (30 minutes to answer)
CONTRACT_POLICY = "e2e-contract"
SECONDS_POLICY = f"""
default_policy: {POLICY}
calendars:
  e2e-always:
    time_zone: UTC
    weekly: {{mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
             fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}}
policies:
  {POLICY}:
    description: the end-to-end tests' policy, in seconds
    targets:
      P1:
        FIRST_RESPONSE:
          target: 6s
          calendar: e2e-always
          warnings:
            - {{after: 2s, actions: [{{type: notify, roles: [assignee], channels: [sms, email]}}]}}
            - {{after: 4s, actions: [{{type: notify, roles: [assignee, supervisor], channels: [sms, email]}}]}}
          breach_actions:
            - {{type: notify, roles: [supervisor], channels: [sms, email]}}
            - {{type: reassign}}
            - {{type: escalate, tiers: 1}}
        RESTORE:
          target: 10m
          calendar: e2e-always
  {CONTRACT_POLICY}:
    description: what a contract may select instead
    targets:
      P1:
        FIRST_RESPONSE:
          target: 30m
          calendar: e2e-always
"""

POLICY_APPLIED_ENTRY = "sla.policy_applied"

# gRPC channels notice a restarted server within a second
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
]

M = TypeVar("M", bound=Message)




# ---- tokens ---------------------------------------------------------------------------------------


def token(subject: str, role: str, company: str | None = None, regions: Iterable[str] = (),
          companies: Iterable[str] = ()) -> str:
    return mint_token(SETTINGS, subject, role, company=company, regions=regions, companies=companies)


def auth(subject: str, role: str, company: str | None = None, regions: Iterable[str] = (),
         companies: Iterable[str] = ()) -> list[tuple[str, str]]:
    """gRPC metadata carrying a bearer token."""
    return [("authorization", f"Bearer {token(subject, role, company, regions, companies)}")]


def bearer(subject: str, role: str, company: str | None = None) -> dict[str, str]:
    """HTTP headers carrying a bearer token."""
    return {"authorization": f"Bearer {token(subject, role, company)}"}


AGENT = auth("desk-1", "agent")
ADMIN = auth("admin-1", "admin")


@dataclass
class Stack:
    cases: ServiceProcess
    sla: ServiceProcess
    intake: ServiceProcess
    cases_api: Any  # CaseServiceStub
    sla_api: Any  # SlaServiceStub
    intake_api: Any  # IntakeServiceStub
    events: EventTap
    http: httpx.AsyncClient
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def cases_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.cases.http_port}{path}"

    def sla_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.sla.http_port}{path}"


@asynccontextmanager
async def running_stack(cases: ServiceProcess, sla: ServiceProcess, intake: ServiceProcess,
                        events: EventTap) -> AsyncIterator[Stack]:
    """Starts the tap and the three services (cases first: intake delivers to it), connects to each, puts the
    seconds policy into sla-timer; closes the channels at the end (stopping the processes is the caller's)."""
    channels: list[grpc.aio.Channel] = []
    try:
        await events.start()
        await cases.start()
        await asyncio.gather(sla.start(), intake.start())
        channels = [grpc.aio.insecure_channel(p.target, options=CHANNEL_OPTIONS) for p in (cases, sla, intake)]
        async with httpx.AsyncClient(timeout=30) as http:
            running = Stack(cases, sla, intake, cases_pb2_grpc.CaseServiceStub(channels[0]),
                            sla_pb2_grpc.SlaServiceStub(channels[1]), intake_pb2_grpc.IntakeServiceStub(channels[2]),
                            events, http, channels)
            imported = await running.sla_api.ImportPolicySet(
                sla_pb.ImportPolicySetRequest(yaml=SECONDS_POLICY, replace=False), metadata=ADMIN)
            assert imported.default_policy == POLICY
            yield running
    finally:
        for channel in channels:
            await channel.close()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Starts the three services together on a fresh database, puts the seconds policy into sla-timer, and
    at the end stops each with SIGTERM (intake first, cases last) and checks that each exited with 0."""
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_e2e")
    logs = tmp_path_factory.mktemp("e2e-logs")
    common = {
        "database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION,
        "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "migrate_on_start": "true",
        "log_json": "false", "log_level": "WARNING", "drain_seconds": "0", "shutdown_grace_seconds": "5",
        "jwt_secret": SETTINGS.jwt_secret, "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
    }
    cases = ServiceProcess("cases", common, logs)
    sla = ServiceProcess("sla_timer", common, logs)
    intake = ServiceProcess("intake", {
        **common, "cases_grpc_target": cases.target, "cases_reconnect_max_seconds": "0.5",
        "delivery_initial_backoff_seconds": "0.2", "delivery_max_backoff_seconds": "1.0",
        "delivery_poll_seconds": "0.2", "submit_wait_seconds": "3", "smtp_port": "0",
        "attachment_dir": str(tmp_path_factory.mktemp("e2e-attachments")),
    }, logs)
    processes = [intake, sla, cases]  # the order they are stopped in
    events = EventTap(await open_broker(servers.amqp_url, "e2e-tap"), f"e2e.events-{uuid.uuid4().hex[:8]}")
    try:
        async with running_stack(cases, sla, intake, events) as running:
            yield running
    finally:
        failures = []
        for process in processes:
            if process.process is not None:
                await process.stop()
            if any(code != 0 for code in process.exit_codes):
                failures.append(f"{process.module} exited with {process.exit_codes}:\n{process.tail()}")
        await events.close()
        await drop_database(servers.pg_admin_url, database)
    assert not failures, "\n\n".join(failures)


# ---- the registry and reports -----------------------------------------------------------------------

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Company:
    """A customer registered in intake: one site in the east, a designated contact, a contract selecting
    `sla_policy`, and one camera there."""

    company_id: str
    number: int

    @property
    def site_id(self) -> str:
        return f"{self.company_id}-S1"

    @property
    def contract_id(self) -> str:
        return f"{self.company_id}-C1"

    @property
    def serial(self) -> str:
        return f"CAM-{self.company_id}"

    @property
    def contact_phone(self) -> str:
        return f"+8613800{self.number:06d}"

    @property
    def partner(self) -> list[tuple[str, str]]:
        """The partner system reporting for this company (its key reaches this company, in the east)."""
        return auth(f"nms-{self.company_id}", "partner", company=self.company_id, regions=[REGION])

    @property
    def customer(self) -> list[tuple[str, str]]:
        return auth(f"contact-{self.company_id}", "customer", company=self.company_id)

    @property
    def customer_headers(self) -> dict[str, str]:
        return bearer(f"contact-{self.company_id}", "customer", company=self.company_id)


async def register_company(stack: Stack, name: str, *, sla_policy: str = POLICY) -> Company:
    number = next(_numbers)
    company = Company(f"E2E-{name.upper()}-{number}", number)
    api = stack.intake_api
    await api.CreateCompany(intake_pb.CreateCompanyRequest(company=intake_pb.Company(
        company_id=company.company_id, name=f"{name.title()} Ltd", region=REGION)), metadata=AGENT)
    await api.CreateSite(intake_pb.CreateSiteRequest(site=intake_pb.Site(
        site_id=company.site_id, company_id=company.company_id, name="Gate 3", address="1 Harbour Road",
        region=REGION)), metadata=AGENT)
    await api.CreateContact(intake_pb.CreateContactRequest(contact=intake_pb.Contact(
        contact_id=f"{company.company_id}-K1", company_id=company.company_id, name="Li Lei",
        phone=company.contact_phone, site_id=company.site_id)), metadata=AGENT)
    await api.CreateContract(intake_pb.CreateContractRequest(contract=intake_pb.Contract(
        contract_id=company.contract_id, company_id=company.company_id, sla_policy=sla_policy,
        start_on="2025-01-01", acceptance_on="2025-06-01")), metadata=AGENT)
    await api.CreateAsset(intake_pb.CreateAssetRequest(asset=intake_pb.Asset(
        serial_number=company.serial, manufacturer="Hikvision", model="DS-2CD2T47", site_id=company.site_id,
        contract_id=company.contract_id)), metadata=AGENT)
    return company


REPORTER = intake_pb.Reporter(name="Wang Fang", phone="+8613912345678", email="wang.fang@example.cn")


async def report_fault(stack: Stack, company: Company, description: str, error_code: str, *,
                       severity: int = intake_pb.STATED_SEVERITY_CRITICAL) -> intake_pb.Receipt:
    """The company's partner system reports a fault on its camera (critical: a P1 case); the receipt."""
    reply = await stack.intake_api.SubmitCase(intake_pb.SubmitCaseRequest(
        partner_request_id=f"NMS-{uuid.uuid4()}", reporter=REPORTER,
        hints=intake_pb.ReportHints(serial_number=company.serial), summary="Camera down",
        description=description, error_codes=[error_code], category=cases_pb.CATEGORY_A,
        kind=cases_pb.CASE_KIND_DEFECT, stated_severity=severity), metadata=company.partner)
    assert reply.receipt.receipt_id and not reply.replayed
    return reply.receipt


async def case_number_of(stack: Stack, receipt_id: str, metadata: list[tuple[str, str]] = AGENT,
                         within: float = 30) -> str:
    """GetReceipt until it names the case (UNAVAILABLE is retried, as it tells a client to)."""
    found: list[str] = []

    async def resolved() -> bool:
        try:
            reply = await stack.intake_api.GetReceipt(intake_pb.GetReceiptRequest(receipt_id=receipt_id),
                                                      metadata=metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            return False
        found[:] = [reply.receipt.case_number]
        return reply.receipt.state == intake_pb.RECEIPT_STATE_SUBMITTED and bool(reply.receipt.case_number)

    await eventually(resolved, within=within, what=f"receipt {receipt_id} naming its case")
    return found[0]


async def get_case(stack: Stack, case_number: str, metadata: list[tuple[str, str]] = AGENT) -> cases_pb.Case:
    reply = await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_number=case_number), metadata=metadata)
    return reply.case


async def timeline(stack: Stack, case_number: str,
                   metadata: list[tuple[str, str]] = AGENT) -> list[cases_pb.TimelineEntry]:
    reply = await stack.cases_api.GetTimeline(
        cases_pb.GetTimelineRequest(case_number=case_number, page={"page_size": 200}), metadata=metadata)
    return list(reply.entries)


def sla_facts(entries: Iterable[cases_pb.TimelineEntry]) -> list[cases_pb.TimelineEntry]:
    """The timeline entries cases recorded from sla-timer's clock events (`sla.warning`, `sla.met`, ...); not
    the internal `sla.policy_applied` (the case's policy and its reply settings)."""
    return [e for e in entries if e.kind.startswith("sla.") and e.kind != POLICY_APPLIED_ENTRY]


def policy_entries(entries: Iterable[cases_pb.TimelineEntry]) -> list[dict[str, Any]]:
    """What each `sla.policy_applied` entry says: policy, customer_reply_resumes, reopen_window_days."""
    return [json.loads(e.payload_json) for e in entries if e.kind == POLICY_APPLIED_ENTRY]


def case_work(entries: Iterable[cases_pb.TimelineEntry]) -> list[cases_pb.TimelineEntry]:
    """The timeline entries of the case's own steps, without other services' facts."""
    return [e for e in entries if not e.kind.startswith("sla.")]


async def case_sla(stack: Stack, case_number: str, metadata: list[tuple[str, str]] = AGENT) -> sla_pb.CaseSla:
    reply = await stack.sla_api.GetCaseSla(sla_pb.GetCaseSlaRequest(case_number=case_number), metadata=metadata)
    return reply.case_sla


async def sla_known(stack: Stack, case_number: str, within: float = 30) -> sla_pb.CaseSla:
    """GetCaseSla once sla-timer has heard of the case (NOT_FOUND until its created event is handled;
    UNAVAILABLE retried, as it tells a client to)."""
    found: list[sla_pb.CaseSla] = []

    async def known() -> bool:
        try:
            found[:] = [await case_sla(stack, case_number)]
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE):
                raise
            return False
        return any(c.clock_kind == sla_pb.CLOCK_KIND_FIRST_RESPONSE for c in found[0].clocks)

    await eventually(known, within=within, what=f"sla-timer's clocks for {case_number}")
    return found[0]


def clock(explained: sla_pb.CaseSla, kind: int) -> sla_pb.ClockExplanation:
    matching = [c for c in explained.clocks if c.clock_kind == kind]
    assert len(matching) == 1, f"one {sla_pb.ClockKind.Name(kind)} clock expected in {explained}"
    return matching[0]


def instant(stamp: Any) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)
