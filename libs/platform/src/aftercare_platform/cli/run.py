"""`aftercare run` (what `make run` calls): every installed service, in its own process on
PostgreSQL and RabbitMQ when both answer, otherwise all in one process in embedded mode."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import typer
from rich.console import Console
from rich.table import Table

from aftercare_platform.cli.supervisor import Supervised, Supervisor
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.service.registry import installed_services
from aftercare_platform.settings import ServiceSettings

_console = Console(stderr=True)


class Mode(StrEnum):
    auto = "auto"
    distributed = "distributed"
    embedded = "embedded"


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _resolve_mode(mode: Mode, settings: ServiceSettings) -> Mode:
    if mode is not Mode.auto:
        return mode
    if settings.is_sqlite or settings.uses_in_process_bus:
        return Mode.embedded
    reachable = _answers(settings.database_url, 5432) and _answers(settings.amqp_url, 5672)
    return Mode.distributed if reachable else Mode.embedded


async def _ensure_database(database_url: str) -> None:
    """`make run` on a fresh PostgreSQL: create the platform's database if it is not there."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database):
            await connection.execute(f'CREATE DATABASE "{url.database}"')
            _console.print(f"created database {url.database}")
    finally:
        await connection.close()


def is_ready(port: int) -> bool:
    """Whether the service on HTTP `port` of this host answers its readiness probe."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _table(rows: list[tuple[ServiceDefinition, ServiceSettings, str]], title: str) -> Table:
    table = Table(title=title)
    for column in ("service", "http", "grpc", "health", "state"):
        table.add_column(column)
    for definition, settings, state in rows:
        table.add_row(definition.name, f":{settings.http_port}", f":{settings.grpc_port}",
                      f"http://127.0.0.1:{settings.http_port}/readyz", state)
    return table


def _front_doors(definitions: list[ServiceDefinition]) -> None:
    """The pages a person opens (the console), printed under the table so the first minute finds them."""
    for definition in definitions:
        path, what = definition.front_door
        if path:
            _console.print(f"[bold green]open http://localhost:{definition.settings().http_port}{path}[/] "
                           f"({definition.name}: {what})")


async def _prepare_database(definitions: list[ServiceDefinition]) -> None:
    """The database created if missing, then every service's schema migrated, here in one process: a
    `python -m <service> migrate` each imports its whole service first, 32 s for the eight, against 2 s."""
    from aftercare_platform.service.assemble import migrate  # here: the CLI's other commands need none of it

    await _ensure_database(ServiceSettings().database_url)
    for definition in definitions:
        await migrate(definition, definition.settings())
        _console.print(f"{definition.name}: migrations applied to schema {definition.schema}")


def _run_distributed(definitions: list[ServiceDefinition], log_dir: Path) -> int:
    asyncio.run(_prepare_database(definitions))
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "AFTERCARE_MIGRATE_ON_START": "false"}
    supervisor = Supervisor(
        [Supervised(d.name, [sys.executable, "-m", d.package], env, log_dir / f"{d.name}.log") for d in definitions],
        say=lambda line: _console.print(f"[yellow]{line}[/]"),
    )
    supervisor.install_signals()
    supervisor.start_all()
    rows = [(definition, definition.settings()) for definition in definitions]
    processes = {service.name: service for service in supervisor.services}
    deadline = time.monotonic() + 60
    states = {d.name: "starting" for d in definitions}
    while (time.monotonic() < deadline and any(s == "starting" for s in states.values())
           and not supervisor.stop_requested):
        for definition, settings in rows:
            process = processes[definition.name].process
            if process is not None and process.poll() is not None:
                states[definition.name] = f"exited {process.returncode} (restarting)"
            elif states[definition.name] == "starting" and is_ready(settings.http_port):
                states[definition.name] = "ready"
        supervisor.watch_once()
        time.sleep(0.3)
    _console.print(_table([(d, s, states[d.name]) for d, s in rows], "Aftercare (distributed: PostgreSQL + RabbitMQ)"))
    _front_doors(definitions)
    _console.print(f"logs in {log_dir}/<service>.log · a crashed service is restarted with backoff · "
                   "Ctrl-C stops every service gracefully")
    return supervisor.run(install_signals=False)


def run_command(
    mode: Mode = typer.Option(Mode.auto, envvar="AFTERCARE_MODE", help="auto picks distributed when both answer"),
    data_dir: Path = typer.Option(Path("var/embedded"), help="embedded mode's SQLite files"),
    log_dir: Path = typer.Option(Path("var/log"), help="distributed mode's per-service logs"),
) -> None:
    """Start every installed service; Ctrl-C stops them gracefully."""
    definitions = installed_services()
    if not definitions:
        _console.print("[red]no Aftercare services are installed (run make install)[/]")
        raise typer.Exit(1)
    settings = ServiceSettings()
    chosen = _resolve_mode(mode, settings)
    names = ", ".join(d.name for d in definitions)
    if chosen is Mode.distributed:
        _console.print(f"[bold]DISTRIBUTED MODE[/]: {names} as separate processes on "
                       f"{urlsplit(settings.database_url).hostname} PostgreSQL and RabbitMQ")
        raise typer.Exit(_run_distributed(definitions, log_dir))
    _console.print(f"[bold yellow]EMBEDDED MODE[/]: {names} in one process, SQLite in {data_dir}, in-process bus "
                   "(no PostgreSQL/RabbitMQ reachable, or AFTERCARE_MODE=embedded)")
    _console.print(_table([(d, d.settings(), "starting") for d in definitions], "Aftercare (embedded)"))
    _front_doors(definitions)
    from aftercare_platform.embedded.runner import run_embedded
    from aftercare_platform.servers.event_loop import run_on

    run_on(settings.event_loop, run_embedded(definitions, data_dir))
