"""`make run` as a person starts it (`aftercare run`), in each mode: every installed service comes up on its
own ports and says it is ready, a report typed into intake's web form becomes a case whose SLA clocks run
(intake → cases over gRPC, case.created → sla-timer over the bus), and one SIGTERM stops them all with 0.
Embedded mode runs them in one process on SQLite and the in-process bus, on the services' event loop
(uvloop); distributed mode migrates each schema on this test's database and supervises one process each."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.service.registry import installed_services
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.infra import Servers, create_database, drop_database, drop_vhost, own_vhost
from aftercare_platform.testing.waiting import eventually

# a folder of its own, run in a pytest process of its own (scripts/test-paths.sh): `make run` binds the
# services' fixed ports, and 50051-50058 lie in the kernel's ephemeral range, where another folder's
# services, listening on free ports for the whole package, could hold one of them
AGENT = {"authorization": f"Bearer {mint_token(ServiceSettings(), 'desk-run', 'agent')}"}


def _ports() -> dict[str, tuple[int, int]]:
    """Each installed service's HTTP and gRPC port, by name (its defaults: what `make run` binds)."""
    return {d.name: (d.settings().http_port, d.settings().grpc_port) for d in installed_services()}


def _taken() -> list[int]:
    return [port for pair in _ports().values() for port in pair if not _free(port)]


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


async def _start(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    taken = _taken()
    assert not taken, f"`make run`'s ports are in use here: {taken} (another `make run`?)"
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aftercare_platform.cli.main", "run", *args,
            env={**os.environ, "AFTERCARE_LOG_LEVEL": "WARNING", **env}, stdout=out, stderr=asyncio.subprocess.STDOUT)


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


def _print_logs(log: Path) -> None:
    for path in [log, *sorted(log.parent.glob("logs/*.log"))]:
        print(f"--- {path.name}\n{_tail(path)}")


async def _walk(process: asyncio.subprocess.Process, log: Path) -> None:
    ports = {name: http for name, (http, _) in _ports().items()}
    try:
        async with httpx.AsyncClient(timeout=10) as http:

            async def all_ready() -> bool:
                assert process.returncode is None, _tail(log)
                for port in ports.values():
                    try:
                        if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code != 200:
                            return False
                    except httpx.TransportError:
                        return False
                return True

            await eventually(all_ready, within=150, what=f"every service ready on {sorted(ports.values())}")
            intake, sla = f"http://127.0.0.1:{ports['intake']}", f"http://127.0.0.1:{ports['sla-timer']}"
            reply = await http.post(f"{intake}/v1/intake/web-form", json={
                "reporter": {"name": "Wang Fang", "email": "wang.fang@example.com"},
                "description": "the lobby camera shows a black picture since this morning"})
            assert reply.status_code in (201, 202), reply.text
            receipt = reply.json()["receipt_id"]
            number = ""

            async def opened() -> bool:
                nonlocal number
                answer = await http.get(f"{intake}/v1/intake/receipts/{receipt}", headers=AGENT)
                assert answer.status_code == 200, answer.text
                number = answer.json()["case_number"] or ""
                return bool(number)

            await eventually(opened, within=60, what="the web form's report opened as a case")

            async def clocks_run() -> bool:
                answer = await http.get(f"{sla}/v1/cases/{number}/sla", headers=AGENT)
                return answer.status_code == 200 and bool(answer.json().get("clocks"))

            await eventually(clocks_run, within=60, what=f"sla-timer's clocks for {number}")
    except BaseException:
        _print_logs(log)  # shown by pytest beside the failure
        raise
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 90) == 0, _tail(log)
    assert _taken() == []


async def test_make_run_embedded_serves_every_service_in_one_process(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    process = await _start(["--mode", "embedded", "--data-dir", str(tmp_path / "data")], {}, log)
    await _walk(process, log)


@asynccontextmanager
async def _distributed(servers: Servers, tmp_path: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`aftercare run --mode distributed` on a database and a vhost of its own, as a machine's first `make run` has
    them: in the session's vhost the package's stack of services runs throughout, consuming the same queues, so
    its sla-timer could take this run's case.created. Yields the process and the database URL."""
    name, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_run")
    amqp_url, vhost = own_vhost(servers.amqp_url)
    process = None
    try:
        process = await _start(["--mode", "distributed", "--log-dir", str(tmp_path / "logs")],
                               {"AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_AMQP_URL": amqp_url},
                               tmp_path / "run.log")
        yield process, database_url
    finally:
        if process is not None and process.returncode is None:  # a failed test leaves no service running
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 90)
        if vhost is not None:
            drop_vhost(vhost)
        await drop_database(servers.pg_admin_url, name)


async def test_make_run_distributed_supervises_a_process_per_service(servers: Servers, tmp_path: Path) -> None:
    async with _distributed(servers, tmp_path) as (process, _):
        await _walk(process, tmp_path / "run.log")
        logs = sorted(path.name for path in (tmp_path / "logs").iterdir())
        assert logs == sorted(f"{d.name}.log" for d in installed_services())


def _processes_on(database_url: str) -> list[int]:
    """The live processes started for `database_url` (found by their environment, which names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"AFTERCARE_DATABASE_URL={database_url}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                continue
    return found


async def test_a_signal_while_the_services_start_stops_them_all(servers: Servers, tmp_path: Path) -> None:
    """The services run in sessions of their own (a terminal's Ctrl-C reaches only `aftercare run`): a SIGTERM
    before they are ready must still stop every one of them, not leave them running without a supervisor."""
    log, logs = tmp_path / "run.log", tmp_path / "logs"
    async with _distributed(servers, tmp_path) as (process, database_url):

        async def starting() -> bool:
            assert process.returncode is None, _tail(log)
            return len(list(logs.glob("*.log"))) == len(installed_services())

        await eventually(starting, within=120, what="every service process started")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 90) == 0, _tail(log)
        assert _processes_on(database_url) == []
