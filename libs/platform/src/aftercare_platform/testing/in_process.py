"""Run one service inside the test process, on its real ports, until the test is done with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from aftercare_platform.servers.runner import ServiceRunner
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.service.main import build_service, runner_parts
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import setup_telemetry
from aftercare_platform.testing.waiting import eventually


@asynccontextmanager
async def service_in_process(definition: ServiceDefinition, settings: ServiceSettings, *,
                             ready_within: float = 60) -> AsyncIterator[httpx.AsyncClient]:
    """Start it, wait for /readyz 200 (a start-up failure surfaces at once), yield an HTTP client on
    it, then shut it down the way SIGTERM would."""
    telemetry = setup_telemetry(settings, registry=CollectorRegistry(), set_global=False)
    runner = ServiceRunner(settings, telemetry=telemetry, handle_signals=False)

    async def build(t: Any) -> Any:
        return runner_parts(await build_service(definition, settings, t))

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
            await eventually(ready, within=ready_within, what=f"{definition.name} ready (/readyz 200)")
            yield http
        finally:
            runner.request_shutdown("test over")
            await running
