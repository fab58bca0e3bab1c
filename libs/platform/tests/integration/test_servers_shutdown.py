"""SIGTERM on a real service process (on uvloop, as services run): health goes NOT_SERVING before the server
stops, in-flight calls finish, and the shutdown runs its steps in order. Run as a script, this file is that service."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = "aftercare.test.v1.ShutdownProbeService"
SLOW_METHOD = f"/{SERVICE}/Slow"
SLOW_CALL_SECONDS = 2.0
DRAIN_SECONDS = 1.0
GRACE_SECONDS = 3.0
SERVICE_SCRIPT = str(Path(__file__).resolve())


# ---- the service process -------------------------------------------------------------------------

class RecordingComponent:
    """Stands in for a consumer or the relay: logs its start and stop so the test sees the order."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        import logging

        logging.getLogger("probe").info("component stopped", extra={"probe_component": self.name})


def serve() -> None:
    import logging

    from aftercare_platform.auth import Authenticator
    from aftercare_platform.servers.event_loop import run_on
    from aftercare_platform.servers.grpc import build_grpc_server
    from aftercare_platform.servers.http import HttpServer, build_http_app
    from aftercare_platform.servers.runner import RunnerParts, ServiceRunner
    from aftercare_platform.settings import ServiceSettings
    from aftercare_platform.telemetry import Telemetry, configure_logging

    settings = ServiceSettings(service_name="shutdown-probe", shutdown_grace_seconds=GRACE_SECONDS)
    configure_logging(settings)

    async def slow(request: bytes, context: Any) -> bytes:
        await asyncio.sleep(SLOW_CALL_SECONDS)
        return b'{"finished": true}'

    def register(server: Any) -> None:
        handler = grpc.unary_unary_rpc_method_handler(slow)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Slow": handler}),))

    async def close_database() -> None:
        logging.getLogger("probe").info("database closed")

    async def build(telemetry: Telemetry) -> RunnerParts:
        authenticator = Authenticator(settings)
        return RunnerParts(
            grpc=build_grpc_server(settings, servicers=[register], service_names=[SERVICE],
                                   authenticator=authenticator, telemetry=telemetry,
                                   public_methods=[SLOW_METHOD], host="127.0.0.1", port=0),
            http=HttpServer(build_http_app(settings, authenticator=authenticator, telemetry=telemetry),
                            settings, host="127.0.0.1", port=0),
            consumers=[RecordingComponent("consumer")],
            background=[RecordingComponent("relay")],
            closers=[close_database],
        )

    run_on(settings.event_loop, ServiceRunner(settings, drain_seconds=DRAIN_SECONDS).run(build))


# ---- the test ------------------------------------------------------------------------------------

class ServiceProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[dict[str, Any]] = []
        self.started = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            try:
                entry = json.loads(raw)
            except ValueError:
                entry = {"message": raw.decode(errors="replace").rstrip()}
            self.log.append(entry)
            if entry.get("message") == "service started":
                self.started.set()

    def entry(self, message: str) -> dict[str, Any]:
        return next(e for e in self.log if e.get("message") == message)

    def position(self, message: str, **fields: Any) -> int:
        for index, entry in enumerate(self.log):
            if entry.get("message") == message and all(entry.get(k) == v for k, v in fields.items()):
                return index
        raise AssertionError(f"no log line {message!r} {fields}; log: {self.messages()}")

    def messages(self) -> list[str]:
        return [str(e.get("message")) for e in self.log]

    async def finish(self) -> int:
        code = await self.process.wait()
        await self._reader
        return code


@pytest.fixture
async def service() -> AsyncIterator[ServiceProcess]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, SERVICE_SCRIPT,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "AFTERCARE_LOG_JSON": "true", "AFTERCARE_LOG_LEVEL": "INFO"},
    )
    running = ServiceProcess(process)
    try:
        async with asyncio.timeout(60):
            await running.started.wait()
    except TimeoutError:
        process.kill()
        await running.finish()
        pytest.fail(f"the service did not start: {running.messages()}")
    yield running
    if process.returncode is None:
        process.kill()
        await running.finish()


async def test_sigterm_turns_health_not_serving_before_the_server_stops(service: ServiceProcess) -> None:
    started = service.entry("service started")
    assert started["event_loop"] == "uvloop"  # what a service runs on unless AFTERCARE_EVENT_LOOP says otherwise
    target = f"127.0.0.1:{started['grpc_port']}"
    readyz = f"http://127.0.0.1:{started['http_port']}/readyz"
    observed: list[str] = []

    async with grpc.aio.insecure_channel(target) as channel, httpx.AsyncClient() as http:
        assert (await http.get(readyz)).status_code == 200
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=SERVICE))
        first = await watch.read()
        observed.append(health_pb2.HealthCheckResponse.ServingStatus.Name(first.status))

        slow_call = asyncio.ensure_future(channel.unary_unary(SLOW_METHOD)(b"{}"))
        await asyncio.sleep(0.2)  # let the call reach the handler: it is in flight when SIGTERM lands
        service.process.send_signal(signal.SIGTERM)

        # the stream itself is the order of events: what it says before it ends happened before the stop
        try:
            while (update := await watch.read()) is not grpc.aio.EOF:
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(update.status)
                observed.append(status)
                if status == "NOT_SERVING":
                    readyz_while_draining = (await http.get(readyz)).status_code
            observed.append("stream ended: OK")
        except grpc.aio.AioRpcError as ended:
            observed.append(f"stream ended: {ended.code().name}")

        slow_answer = await slow_call

    assert observed[:2] == ["SERVING", "NOT_SERVING"], observed
    assert observed[-1].startswith("stream ended"), observed
    assert readyz_while_draining == 503
    assert slow_answer == b'{"finished": true}', "the in-flight call was not allowed to finish"
    assert await service.finish() == 0


async def test_the_shutdown_steps_run_in_order(service: ServiceProcess) -> None:
    service.process.send_signal(signal.SIGTERM)
    assert await service.finish() == 0

    steps = [service.position(_step_message(n)) for n in range(1, 7)]
    assert steps == sorted(steps), service.messages()
    consumer_stopped = service.position("component stopped", probe_component="consumer")
    relay_stopped = service.position("component stopped", probe_component="relay")
    database_closed = service.position("database closed")
    grpc_stopped = service.position("grpc server stopped")
    # the servers finish their requests before the relay stops, so it publishes what those requests committed
    assert steps[1] < consumer_stopped < steps[2] < grpc_stopped < steps[3] < relay_stopped < steps[4]
    assert steps[4] < database_closed < steps[5]
    assert service.position("service stopped") > steps[5]


def _step_message(number: int) -> str:
    from aftercare_platform.servers.runner import SHUTDOWN_STEPS

    return f"shutdown step {number}/{len(SHUTDOWN_STEPS)}: {SHUTDOWN_STEPS[number - 1]}"


if __name__ == "__main__":
    serve()
