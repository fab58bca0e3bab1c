"""Who else is viewing a case, across console replicas: two consoles on one database (replica A its own
process, replica B in this process), the cases service as a process. A viewer on A is announced on B's
case stream (server-sent events) and B's on A's; leaving takes the name away; a replica that dies without
a word (SIGKILL) stops renewing its viewers, and they expire on the other replica's page."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import ServiceProcess
from console.bootstrap import definition
from console.settings import ConsoleSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGION = "east"
TOKENS = ServiceSettings()
# renewals every half second: a killed replica's viewers are gone after three missed ones
HEARTBEAT = "0.5"
WAIT = 60.0


def session(subject: str, role: str, name: str) -> str:
    return mint_token(TOKENS, subject, role, regions=[REGION], name=name)


@dataclass
class Replicas:
    a: ServiceProcess
    b_url: str
    case_id: str

    @property
    def a_url(self) -> str:
        return f"http://127.0.0.1:{self.a.http_port}"


class CaseStream:
    """A case page's live stream as a browser holds it; the presence events it hears, in order."""

    def __init__(self, base_url: str, case_id: str, token: str) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=None),
                                       headers={"cookie": f"aftercare_session={token}"})
        self._url = f"/live/cases/{case_id}"
        self.heard: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async with self._http.stream("GET", self._url) as answer:
            assert answer.status_code == 200
            event = ""
            async for line in answer.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data:") and event == "presence":
                    self.heard.put_nowait(line.removeprefix("data:").strip())
                elif not line:
                    event = ""

    async def __aenter__(self) -> CaseStream:
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._task
        await self._http.aclose()

    async def sees(self, names: str) -> None:
        """Waits for a presence event naming exactly `names` ("" = nobody else)."""
        heard: list[str] = []
        async with asyncio.timeout(WAIT):
            while not heard or heard[-1] != names:
                if self._task is not None and self._task.done():
                    self._task.result()
                heard.append(await self.heard.get())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replicas(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Replicas]:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_console_presence")
    logs = tmp_path_factory.mktemp("presence-logs")
    common = {"database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION, "log_json": "false",
              "log_level": "WARNING", "http_host": "127.0.0.1", "grpc_host": "127.0.0.1"}
    cases = ServiceProcess("cases", common, logs)
    await cases.start()
    console = {**common, "cases_grpc_target": cases.target, "presence_heartbeat_seconds": HEARTBEAT,
               "cookie_secure": "false"}
    a = ServiceProcess("console", console, logs)
    port = free_port()
    b = ConsoleSettings(**console, http_port=port, grpc_port=free_port())
    try:
        await a.start()
        admin = [("authorization", f"Bearer {mint_token(TOKENS, 'admin-1', 'admin')}")]
        async with grpc.aio.insecure_channel(cases.target) as channel:
            created = await cases_pb2_grpc.CaseServiceStub(channel).CreateCase(cases_pb.CreateCaseRequest(
                request_id=uuid.uuid4().hex, region=REGION, company_id=str(uuid.uuid4()), description="No signal",
                caller=cases_pb.Caller(name="Li Lei", phone="+8613800000001"), priority=cases_pb.PRIORITY_P2,
                channel=cases_pb.CHANNEL_HOTLINE, category=cases_pb.CATEGORY_A, kind=cases_pb.CASE_KIND_DEFECT),
                metadata=admin)
        async with service_in_process(definition, b):
            yield Replicas(a, f"http://127.0.0.1:{port}", created.case.case_id)
    finally:
        if a.running:
            await a.stop()
        await cases.stop()
        await drop_database(servers.pg_admin_url, database)


SUPERVISOR = session("sup-1", "supervisor", "Supervisor Wang")
ENGINEER = session("eng-zhao", "engineer", "Zhao Lei")


async def test_a_viewer_on_one_replica_is_seen_on_the_other_until_it_leaves(replicas: Replicas) -> None:
    async with CaseStream(replicas.b_url, replicas.case_id, SUPERVISOR) as on_b:
        await on_b.sees("")
        async with CaseStream(replicas.a_url, replicas.case_id, ENGINEER) as on_a:
            await on_a.sees("Supervisor Wang")
            await on_b.sees("Zhao Lei")
        await on_b.sees("")


async def test_the_viewers_of_a_replica_that_dies_expire_on_the_other(replicas: Replicas) -> None:
    async with CaseStream(replicas.b_url, replicas.case_id, SUPERVISOR) as on_b:
        await on_b.sees("")
        on_a = CaseStream(replicas.a_url, replicas.case_id, ENGINEER)
        async with on_a:
            await on_b.sees("Zhao Lei")
            assert replicas.a.process is not None
            replicas.a.process.kill()  # no leave, no goodbye: only its heartbeats stop
            await replicas.a.process.wait()
            await on_b.sees("")
