"""Embedded mode: the same service on SQLite and the in-process bus (no PostgreSQL, no RabbitMQ):
migrations, the consumer and the firing loop's unit-of-work path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.servers.runner import ServiceRunner
from aftercare_platform.service.main import build_service, runner_parts
from aftercare_platform.telemetry.setup import setup_telemetry
from prometheus_client import CollectorRegistry
from sla_timer.bootstrap import definition
from sla_timer.settings import SlaTimerSettings
from sqlalchemy import text

from .conftest import SECOND, eventually, free_port, new_case, prepare_database, utc_now


async def test_the_service_fires_on_sqlite_and_the_in_process_bus(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'aftercare.sqlite3'}"
    await prepare_database(url, "")
    settings = SlaTimerSettings(
        database_url=url,
        amqp_url="",
        http_port=free_port(),
        grpc_port=free_port(),
        http_host="127.0.0.1",
        grpc_host="127.0.0.1",
        log_json=False,
        shutdown_grace_seconds=2,
    )
    telemetry = setup_telemetry(settings, registry=CollectorRegistry(), set_global=False)
    runner = ServiceRunner(settings, telemetry=telemetry, handle_signals=False)
    built: list[Any] = []

    async def build(t: Any) -> Any:
        service = await build_service(definition, settings, t)
        built.append(service)
        return runner_parts(service)

    running = asyncio.create_task(runner.run(build))
    try:
        await eventually(lambda: _ready(settings.http_port, running), what="the embedded service ready")
        database, broker = built[0].infra.database, built[0].infra.broker
        tap = "test.sla-warnings"  # what sla-timer emits, counted where it arrives (the relay deletes sent rows)
        await broker.declare_work_queue(tap, ["sla.warning.#"], 5)
        case = new_case(900)
        at = utc_now()
        for event in (case.event("created", at),):
            await broker.publish(OutgoingMessage(event.to_json(), event.id, event.routing_key))

        async def count(sql: str) -> int:
            async with database.engine.connect() as connection:
                return int((await connection.execute(text(sql))).scalar_one())

        async def first_warning_fired() -> bool:
            return await count("SELECT count(*) FROM sla_timer.fired") == 1

        await eventually(first_warning_fired, within=30, what="the first warning fired")
        acknowledged = case.event("acknowledged", at + 3 * SECOND, first_response=True)
        await broker.publish(OutgoingMessage(acknowledged.to_json(), acknowledged.id, acknowledged.routing_key))

        async def met() -> bool:
            return await count("SELECT count(*) FROM sla_timer.compliance_facts WHERE outcome = 'met'") == 1

        await eventually(met, within=30, what="the clock met")
        assert await count("SELECT count(*) FROM sla_timer.fired") == 1
        await eventually(lambda: _depth_is(broker, tap, 1), within=10, what="the warning published")
        await asyncio.sleep(0.2)
        assert await broker.queue_depth(tap) == 1, "one warning emitted"
    finally:
        runner.request_shutdown("test over")
        await running


async def _depth_is(broker: Any, queue: str, depth: int) -> bool:
    return await broker.queue_depth(queue) == depth


async def _ready(port: int, running: asyncio.Task[None]) -> bool:
    if running.done():
        running.result()
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False
