"""Run a service inside the test process, on its real ports, until the test is done with it: one
service on the test's servers (`service_in_process`), or services in embedded mode on SQLite and the
in-process bus, as `aftercare run` starts them without PostgreSQL or RabbitMQ (`embedded_in_process`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.sdk.trace import SpanProcessor
from prometheus_client import CollectorRegistry

from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.embedded.runner import build_embedded, embedded_settings
from aftercare_platform.servers.runner import RunnerParts, ServiceRunner
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.service.main import build_service, runner_parts
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry, setup_telemetry
from aftercare_platform.testing.waiting import eventually


@asynccontextmanager
async def _serving(build: Callable[[Telemetry], Awaitable[RunnerParts]], settings: ServiceSettings, what: str,
                   ready_within: float,
                   span_processors: Sequence[SpanProcessor] = ()) -> AsyncIterator[httpx.AsyncClient]:
    """Run, wait for /readyz 200 (a start-up failure surfaces at once), yield an HTTP client on it, then
    shut down the way SIGTERM would."""
    telemetry = setup_telemetry(settings, registry=CollectorRegistry(), span_processors=span_processors,
                                set_global=False)
    runner = ServiceRunner(settings, telemetry=telemetry, handle_signals=False)
    running = asyncio.create_task(runner.run(build))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}", timeout=60) as http:

        async def ready() -> bool:
            if running.done():
                running.result()  # surfaces a start-up failure instead of waiting for the timeout
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            await eventually(ready, within=ready_within, what=f"{what} ready (/readyz 200)")
            yield http
        finally:
            runner.request_shutdown("test over")
            await running


@asynccontextmanager
async def service_in_process(definition: ServiceDefinition, settings: ServiceSettings, *,
                             ready_within: float = 60,
                             span_processors: Sequence[SpanProcessor] = ()) -> AsyncIterator[httpx.AsyncClient]:
    """One service on `settings` (the test's database and broker); yields an HTTP client on it.
    `span_processors` receive the spans of the service's own providers (servers, database)."""

    async def build(telemetry: Any) -> RunnerParts:
        return runner_parts(await build_service(definition, settings, telemetry))

    async with _serving(build, settings, definition.name, ready_within, span_processors) as http:
        yield http


@dataclass(frozen=True)
class Embedded:
    """Services running embedded: the first one's settings (its ports), an HTTP client on it."""

    settings: ServiceSettings
    http: httpx.AsyncClient

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.settings.grpc_port}"

    def auth(self, subject: str, role: str, **claims: Any) -> list[tuple[str, str]]:
        """gRPC metadata with a token these services accept."""
        return [("authorization", f"Bearer {mint_token(self.settings, subject, role, **claims)}")]


@asynccontextmanager
async def embedded_in_process(definitions: Sequence[ServiceDefinition], data_dir: Path, *,
                              ready_within: float = 60) -> AsyncIterator[Embedded]:
    """`definitions` in embedded mode, their SQLite files in `data_dir`, settings read from `AFTERCARE_*`
    (set the ports there: `embedded_environment`)."""
    settings = embedded_settings(definitions[0], data_dir)

    async def build(telemetry: Telemetry) -> RunnerParts:
        return await build_embedded(list(definitions), data_dir, telemetry)

    async with _serving(build, settings, f"embedded {definitions[0].name}", ready_within) as http:
        yield Embedded(settings, http)
