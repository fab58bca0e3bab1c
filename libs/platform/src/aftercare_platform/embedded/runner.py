"""Embedded mode: every service in one process on SQLite files and one in-process broker.

For a laptop with no PostgreSQL or RabbitMQ: the same services, the same outbox, inbox,
routing, acks, redelivery and dead-lettering, with nothing to install."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aftercare_platform.bus.in_process import InProcessBroker
from aftercare_platform.lifecycle import Component
from aftercare_platform.servers.runner import RunnerParts, ServiceRunner
from aftercare_platform.service.assemble import assemble, migrate, open_infrastructure
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry

log = logging.getLogger(__name__)


class _Together:
    """Several servers started, made not-ready and stopped as one."""

    def __init__(self, name: str, servers: list[Component]) -> None:
        self.name, self.servers = name, servers
        self.port = ",".join(str(getattr(server, "port", "?")) for server in servers)
        self.service_names = [n for server in servers for n in getattr(server, "service_names", ())]

    async def start(self) -> None:
        for server in self.servers:
            await server.start()

    async def stop(self) -> None:
        for server in self.servers:
            await server.stop()

    async def set_not_serving(self) -> None:
        for server in self.servers:
            await server.set_not_serving()  # type: ignore[attr-defined]

    def set_not_ready(self) -> None:
        for server in self.servers:
            server.set_not_ready()  # type: ignore[attr-defined]


def embedded_settings(definition: ServiceDefinition, data_dir: Path) -> ServiceSettings:
    return definition.settings(database_url=f"sqlite+aiosqlite:///{data_dir / 'aftercare.sqlite3'}", amqp_url="")


async def build_embedded(definitions: list[ServiceDefinition], data_dir: Path, telemetry: Telemetry) -> RunnerParts:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    broker = InProcessBroker()
    await broker.connect()
    parts = RunnerParts(closers=[broker.close])
    grpc_servers: list[Component] = []
    http_servers: list[Component] = []
    for definition in definitions:
        settings = embedded_settings(definition, data_dir)
        await migrate(definition, settings)
        infra = await open_infrastructure(definition, settings, telemetry=telemetry, broker=broker)
        service = await assemble(definition, infra)
        if service.grpc is not None:
            grpc_servers.append(service.grpc)
        http_servers.append(service.http)
        parts.consumers += service.consumers
        parts.background += service.background
        parts.closers += [infra.database.close, *service.parts.closers]
    parts.grpc = _Together("grpc servers", grpc_servers)  # type: ignore[assignment]
    parts.http = _Together("http servers", http_servers)  # type: ignore[assignment]
    return parts


async def run_embedded(definitions: list[ServiceDefinition], data_dir: Path) -> None:
    settings = ServiceSettings(service_name="aftercare-embedded", database_url="sqlite+aiosqlite:///", amqp_url="")
    log.warning("EMBEDDED MODE: %d services in one process, SQLite in %s, in-process bus "
                "(no PostgreSQL/RabbitMQ reachable or AFTERCARE_MODE=embedded)", len(definitions), data_dir)

    async def build(telemetry: Telemetry) -> RunnerParts:
        return await build_embedded(definitions, data_dir, telemetry)

    await ServiceRunner(settings, settle_heap_after_start=True).run(build)
