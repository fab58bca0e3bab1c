"""One running stack for the console's browser tests (cases, sla-timer, intake, survey and the console), and a
headless Chromium (Debian's package, driven
by Playwright through `executable_path`). The stack starts on an empty database and gets its data from
the documented demo command (`python -m console.demo`), which this also proves."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare.sla.v1 import sla_pb2_grpc
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.browser import chromium
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from console.domain.demo_users import BOREAL
from grpc_health.v1 import health_pb2, health_pb2_grpc
from playwright.async_api import Browser, Page

from .stack import Process

LOOP = "package"
REGION = "east"
SETTINGS = ServiceSettings()
# screenshots of the main pages, kept as artefacts (var/ is ignored by git)
ARTEFACTS = Path(__file__).resolve().parents[4] / "var" / "console-screenshots"
# P3's first response warns after 4 s (so the queue re-orders while a test watches); P1 promises an hour
POLICY = """
default_policy: console-e2e
calendars:
  console-always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
             fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  console-e2e:
    description: the console's browser tests, in seconds
    targets:
      P1:
        FIRST_RESPONSE: {target: 1h, calendar: console-always}
      P3:
        FIRST_RESPONSE:
          target: 1h
          calendar: console-always
          warnings:
            - {after: 4s, actions: [{type: notify, roles: [assignee], channels: [email]}]}
"""


def metadata(subject: str, role: str, company: str | None = None) -> list[tuple[str, str]]:
    token = mint_token(SETTINGS, subject, role, company=company, regions=[] if company else [REGION], name="管理员")
    return [("authorization", f"Bearer {token}")]


ADMIN = metadata("admin-1", "admin")


@dataclass
class Stack:
    console_url: str
    cases: Any  # CaseServiceStub
    intake: Any  # IntakeServiceStub
    channels: list[grpc.aio.Channel]
    survey: Any  # SurveyServiceStub

    async def case(self, number: str) -> cases_pb.Case:
        return (await self.cases.GetCase(cases_pb.GetCaseRequest(case_number=number), metadata=ADMIN)).case

    async def timeline(self, number: str) -> list[cases_pb.TimelineEntry]:
        reply = await self.cases.GetTimeline(cases_pb.GetTimelineRequest(case_number=number, page={"page_size": 200}),
                                             metadata=ADMIN)
        return list(reply.entries)

    async def open_case(self, company_id: str, priority: int, description: str, *,
                        assignee: str = "") -> cases_pb.Case:
        created = (await self.cases.CreateCase(cases_pb.CreateCaseRequest(
            # no contract: sla-timer's default policy, the seconds one above
            request_id=uuid.uuid4().hex, region=REGION, company_id=company_id, description=description,
            caller=cases_pb.Caller(name="Li Lei", phone="+8613800000001"), priority=priority,
            channel=cases_pb.CHANNEL_HOTLINE, category=cases_pb.CATEGORY_A, kind=cases_pb.CASE_KIND_DEFECT),
            metadata=ADMIN)).case
        if assignee:
            created = (await self.cases.Assign(cases_pb.AssignRequest(
                case_id=created.case_id, assignee_id=assignee, tier=cases_pb.TIER_ENGINEER, reason="test"),
                metadata=ADMIN)).case
        return created


    async def closed_case(self, company_id: str, description: str) -> cases_pb.Case:
        """A case worked through to closed by the desk (survey then invites its caller)."""
        case = await self.open_case(company_id, cases_pb.PRIORITY_P3, description, assignee="eng-wang")
        engineer, ref = metadata("eng-wang", "engineer"), {"case_id": case.case_id}
        await self.cases.Acknowledge(cases_pb.AcknowledgeRequest(**ref), metadata=engineer)
        await self.cases.Resolve(cases_pb.ResolveRequest(**ref, fault_report=cases_pb.FaultReport(
            cause="loose PoE cable", method="re-crimped it", result="steady picture", prevention="strain relief")),
            metadata=engineer)
        return (await self.cases.Close(cases_pb.CloseRequest(**ref, reason="fixed"), metadata=ADMIN)).case


async def _demo_data(env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "console.demo", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


@pytest_asyncio.fixture(scope="package", loop_scope=LOOP)
async def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_console")
    logs = tmp_path_factory.mktemp("console-logs")
    common = {
        "database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION,
        "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "log_json": "false", "log_level": "WARNING",
        "jwt_secret": SETTINGS.jwt_secret, "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
        "shutdown_grace_seconds": "3",
    }
    cases, sla = Process("cases", common, logs), Process("sla_timer", common, logs)
    intake = Process("intake", {**common, "cases_grpc_target": cases.target, "submit_wait_seconds": "3",
                                "delivery_poll_seconds": "0.2", "smtp_port": "0",
                                "attachment_dir": str(tmp_path_factory.mktemp("console-attachments"))}, logs)
    # the invitation goes out at once; every closed case is asked (no repeat interval: demo cases share callers)
    survey = Process("survey", {**common, "cases_grpc_target": cases.target, "intake_grpc_target": intake.target,
                                "invitation_delay_seconds": "0", "worker_poll_seconds": "0.2",
                                "repeat_interval_days": "0", "cases_reconnect_max_seconds": "0.5",
                                # but Boreal's wait an hour: its closed cases show a survey still scheduled
                                "company_invitation_delay_seconds": json.dumps({BOREAL: 3600})}, logs)
    survey.configure(public_base_url=f"http://127.0.0.1:{survey.http_port}")
    console = Process("console", {**common, "cases_grpc_target": cases.target, "intake_grpc_target": intake.target,
                                  "sla_grpc_target": sla.target, "dispatch_grpc_target": "127.0.0.1:1",
                                  "survey_grpc_target": survey.target,
                                  "queue_refresh_seconds": "60", "call_timeout_seconds": "5"}, logs)
    console.configure(public_url=f"http://localhost:{console.http_port}",
                      intake_http_url=f"http://127.0.0.1:{intake.http_port}")
    processes = [console, survey, intake, sla, cases]
    channels: list[grpc.aio.Channel] = []
    try:
        await cases.start()
        await asyncio.gather(sla.start(), intake.start(), survey.start(), console.start())
        channels = [grpc.aio.insecure_channel(p.target) for p in (cases, sla, intake, console, survey)]
        health = await health_pb2_grpc.HealthStub(channels[3]).Check(health_pb2.HealthCheckRequest(service=""))
        assert health.status == health_pb2.HealthCheckResponse.SERVING  # the startup probe's check
        await sla_pb2_grpc.SlaServiceStub(channels[1]).ImportPolicySet(
            sla_pb.ImportPolicySetRequest(yaml=POLICY, replace=False), metadata=ADMIN)
        print(await _demo_data({**console.env, "AFTERCARE_DISPATCH_GRPC_TARGET": "127.0.0.1:1"}))
        yield Stack(f"http://localhost:{console.http_port}", cases_pb2_grpc.CaseServiceStub(channels[0]),
                    intake_pb2_grpc.IntakeServiceStub(channels[2]), channels,
                    survey_pb2_grpc.SurveyServiceStub(channels[4]))
    finally:
        for channel in channels:
            await channel.close()
        codes = {p.module: await p.stop() for p in processes}
        await drop_database(servers.pg_admin_url, database)
        failed = {module: code for module, code in codes.items() if code != 0}
        assert not failed, f"{failed}\n" + "\n".join(p.tail() for p in processes if p.module in failed)


@pytest_asyncio.fixture(scope="package", loop_scope=LOOP)
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def signed_in(browser: Browser, stack: Stack, subject: str, lang: str = "en") -> Page:
    """A fresh browser context signed in through the development login page as the demo user."""
    context = await browser.new_context(locale="zh-CN" if lang == "zh-CN" else "en-US")
    page = await context.new_page()
    await page.goto(f"{stack.console_url}/login?lang={lang}")
    await page.locator(f"button[name=as][value='{subject}']").click()
    await page.wait_for_load_state()
    return page


async def shoot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def english_words() -> Iterable[str]:
    from console.domain.i18n import TEXT

    return [en for key, en in TEXT["en"].items() if en != TEXT["zh-CN"][key] and len(en) >= 4]
