"""Intake's web-form limit, behind the console over real HTTP: the console (this process, at 127.0.0.1)
posts customers' new cases to intake (its own process) naming each signed-in user; intake trusts
127.0.0.1 as a front end, so each customer has a budget of its own, while a client at 127.0.0.3 that
forges the header is still counted as itself."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.contracts.headers import END_CLIENT_HEADER
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import ServiceProcess
from console.bootstrap import definition
from console.domain.forms import csrf_token
from console.settings import ConsoleSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKENS = ServiceSettings()
COMPANY = str(uuid.uuid4())
BURST = 2


@dataclass
class Edge:
    console_url: str
    intake_url: str
    session_secret: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def edge(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Edge]:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_console_edge")
    logs = tmp_path_factory.mktemp("edge-logs")
    common = {"database_url": database_url, "amqp_url": servers.amqp_url, "region": "east", "log_json": "false",
              "log_level": "WARNING", "http_host": "127.0.0.1", "grpc_host": "127.0.0.1"}
    cases = ServiceProcess("cases", common, logs)
    intake = ServiceProcess("intake", {
        **common, "cases_grpc_target": cases.target, "smtp_port": "0", "submit_wait_seconds": "2",
        "attachment_dir": str(tmp_path_factory.mktemp("edge-attachments")),
        # the console reaches intake from 127.0.0.1: the one front end whose users are counted one by one
        "web_form_trusted_clients": "127.0.0.1", "web_form_burst": str(BURST), "web_form_per_minute": "0.5"}, logs)
    port = free_port()
    settings = ConsoleSettings(**common, http_port=port, grpc_port=free_port(), cookie_secure=False,
                               cases_grpc_target=cases.target, intake_grpc_target=intake.target)
    try:
        await cases.start()
        await intake.start()
        settings = settings.model_copy(update={"intake_http_url": f"http://127.0.0.1:{intake.http_port}"})
        async with service_in_process(definition, settings):
            yield Edge(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{intake.http_port}", settings.session_secret)
    finally:
        for process in (intake, cases):
            if process.running:
                await process.stop()
        await drop_database(servers.pg_admin_url, database)


async def report_through_the_console(edge: Edge, customer: str, n: int) -> httpx.Response:
    """A signed-in customer opens a case on the portal's form (each submit a form of its own)."""
    token = mint_token(TOKENS, customer, "customer", company=COMPANY, name=customer)
    async with httpx.AsyncClient(base_url=edge.console_url, timeout=30,
                                 headers={"cookie": f"aftercare_session={token}"}) as browser:
        return await browser.post("/calls", data={
            "csrf": csrf_token(edge.session_secret, token), "request_id": uuid.uuid4().hex,
            "name": customer, "email": f"{customer}@example.com", "summary": f"report {n}",
            "description": f"The printer in room {n} jams"})


async def test_each_customer_behind_the_console_has_a_budget_of_its_own(edge: Edge) -> None:
    first = [(await report_through_the_console(edge, "cust-a", n)).status_code for n in range(BURST + 1)]
    assert first == [303] * BURST + [429], first
    limited = await report_through_the_console(edge, "cust-a", 99)
    assert limited.status_code == 429 and "try again" in limited.text
    # another customer posting through the same console is not held by the first one's flood
    second = [(await report_through_the_console(edge, "cust-b", n)).status_code for n in range(BURST + 1)]
    assert second == [303] * BURST + [429], second


async def test_a_client_forging_the_header_is_still_counted_as_itself(edge: Edge) -> None:
    async with httpx.AsyncClient(base_url=edge.intake_url, timeout=30,
                                 transport=httpx.AsyncHTTPTransport(local_address="127.0.0.3")) as forger:
        statuses = [(await forger.post(
            "/v1/intake/web-form", json={"description": f"spam {n}", "reporter": {"email": "x@example.com"}},
            headers={END_CLIENT_HEADER: f"user:someone-{n}"})).status_code for n in range(BURST + 2)]
    assert statuses[:BURST] in ([201] * BURST, [202] * BURST) and statuses[BURST:] == [429, 429], statuses
