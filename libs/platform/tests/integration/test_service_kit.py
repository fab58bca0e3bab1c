"""The service kit end to end: a tiny service run embedded (SQLite + in-process bus) and distributed
(PostgreSQL + RabbitMQ, its own process), through its real gRPC and HTTP interfaces."""

import asyncio
import json
import os
import signal
import sys

import grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.cli.run import is_ready
from aftercare_platform.service.assemble import open_database
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.probe_service.adapters.tables import received
from aftercare_platform.testing.probe_service.bootstrap import definition
from aftercare_platform.testing.probe_service.entrypoints.grpc_api import SERVICE
from aftercare_platform.testing.probe_service.settings import ProbeSettings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import func, select

from .conftest import eventually


async def ping(grpc_port: int, token: str, text: str) -> dict:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        call = channel.unary_unary(f"/{SERVICE}/Ping", request_serializer=lambda r: json.dumps(r).encode(),
                                   response_deserializer=json.loads)
        return await call({"text": text}, metadata=[("authorization", f"Bearer {token}")])


async def received_count(settings: ServiceSettings) -> int:
    database = open_database(definition, settings, clock=None)  # type: ignore[arg-type]
    try:
        async with database.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(received))).scalar_one())
    finally:
        await database.close()


async def test_embedded_mode_runs_the_service_on_sqlite_and_the_in_process_bus(embedded, tmp_path):
    async with embedded(definition) as service:
        grpc_port = service.settings.grpc_port
        token = mint_token(ProbeSettings(), "agent-1", "agent", regions=["east"])
        reply = await ping(grpc_port, token, "hello")
        assert reply["id"]

        async def consumed() -> bool:
            return await received_count(service.settings) == 1

        await eventually(consumed, what="the event consumed through the in-process bus")
        async with grpc.aio.insecure_channel(service.grpc_target) as channel:
            with_bad_text = channel.unary_unary(f"/{SERVICE}/Ping",
                                                request_serializer=lambda r: json.dumps(r).encode(),
                                                response_deserializer=json.loads)
            try:
                await with_bad_text({"text": ""}, metadata=[("authorization", f"Bearer {token}")])
                raise AssertionError("empty text was accepted")
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert "text" in error.details()


async def test_distributed_service_process_serves_consumes_and_stops_gracefully(database_url, amqp_url):
    http_port, grpc_port = free_port(), free_port()
    env = {**os.environ, "AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_AMQP_URL": amqp_url,
           "AFTERCARE_HTTP_PORT": str(http_port), "AFTERCARE_GRPC_PORT": str(grpc_port),
           "AFTERCARE_DRAIN_SECONDS": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aftercare_platform.testing.probe_service", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        await eventually(lambda: asyncio.to_thread(is_ready, http_port), what="service process ready")
        token = mint_token(ProbeSettings(), "agent-1", "agent", regions=["east"])
        await ping(grpc_port, token, "over the wire")
        settings = definition.settings(database_url=database_url, amqp_url=amqp_url)

        async def consumed() -> bool:
            return await received_count(settings) == 1

        await eventually(consumed, what="the event consumed through RabbitMQ")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
            statuses = [(await watch.read()).status]
            process.send_signal(signal.SIGTERM)
            statuses.append((await watch.read()).status)
        assert statuses == [health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING]
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
