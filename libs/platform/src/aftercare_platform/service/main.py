"""`python -m <service>` runs it; `python -m <service> migrate` only applies its migrations."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from aftercare_platform.servers.event_loop import run_on
from aftercare_platform.servers.runner import RunnerParts, ServiceRunner
from aftercare_platform.service.assemble import AssembledService, assemble, migrate, open_infrastructure
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.service.relay_process import relay_parts
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.logs import configure_logging
from aftercare_platform.telemetry.setup import Telemetry


def runner_parts(service: AssembledService) -> RunnerParts:
    infra = service.infra
    return RunnerParts(
        grpc=service.grpc,
        http=service.http,
        consumers=service.consumers,
        background=service.background,
        # closed in reverse: the service's own, then the broker, then the database
        closers=[infra.database.close, infra.broker.close, *service.parts.closers],
    )


async def build_service(definition: ServiceDefinition[Any], settings: ServiceSettings,
                        telemetry: Telemetry | None) -> AssembledService:
    if settings.migrate_on_start:
        await migrate(definition, settings)
    infra = await open_infrastructure(definition, settings, telemetry=telemetry)
    return await assemble(definition, infra)


def service_main(definition: ServiceDefinition[Any], argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = definition.settings()
    configure_logging(settings)
    if args[:1] == ["migrate"]:
        asyncio.run(migrate(definition, settings))
        print(f"{definition.name}: migrations applied to schema {definition.schema}")
        return
    if args[1:] or args[:1] not in ([], ["relay"]):
        raise SystemExit(f"usage: python -m {definition.package} [migrate | relay]")

    async def build(telemetry: Telemetry) -> RunnerParts:
        if args == ["relay"]:  # the outbox relay alone: a sidecar to the service run with relay_in_process=false
            return await relay_parts(definition, settings, telemetry)
        return runner_parts(await build_service(definition, settings, telemetry))

    run_on(settings.event_loop,
           ServiceRunner(settings, drain_seconds=settings.drain_seconds, settle_heap_after_start=True).run(build))
