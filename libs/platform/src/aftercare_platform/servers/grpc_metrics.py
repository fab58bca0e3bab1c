"""RED metrics for gRPC (rate, errors, duration), which OpenTelemetry's gRPC instrumentation lacks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from opentelemetry import metrics

from aftercare_platform.servers.grpc_handlers import (
    PUBLIC_SERVICE_PREFIXES,
    Behavior,
    PerMethodInterceptor,
    wrap_handler,
)
from aftercare_platform.telemetry.setup import Telemetry


class GrpcMetricsInterceptor(PerMethodInterceptor):
    """`rpc.server.duration` (seconds) by service, method and status code; /metrics shows it as
    `rpc_server_duration_seconds_{bucket,count,sum}`. Sits outside error mapping, so it sees the final status."""

    def __init__(self, telemetry: Telemetry | None) -> None:
        super().__init__()
        meter = telemetry.meter("aftercare.grpc") if telemetry else metrics.get_meter("aftercare.grpc")
        self._duration = meter.create_histogram(
            "rpc.server.duration", unit="s", description="time to answer a gRPC call, by method and status"
        )

    def wrap(self, path: str, handler: Any) -> Any:
        if path.startswith(PUBLIC_SERVICE_PREFIXES):
            return handler  # health probes and reflection would drown the API's own figures
        service, _, method = path.lstrip("/").partition("/")
        record = self._recorder(service, method)

        def wrap_single(behavior: Behavior) -> Behavior:
            async def single(request: Any, context: Any) -> Any:
                started = time.perf_counter()
                try:
                    response = await behavior(request, context)
                except BaseException as error:
                    record(started, _status_of(error, context))
                    raise
                record(started, "OK")
                return response

            return single

        def wrap_stream(behavior: Behavior) -> Behavior:
            async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
                started = time.perf_counter()
                try:
                    async for response in behavior(request, context):
                        yield response
                except BaseException as error:
                    record(started, _status_of(error, context))
                    raise
                record(started, "OK")

            return stream

        return wrap_handler(handler, wrap_single, wrap_stream)

    def _recorder(self, service: str, method: str) -> Any:
        by_status: dict[str, dict[str, str]] = {}  # the attributes, made once per status (a handful per method)

        def record(started: float, status: str) -> None:
            attributes = by_status.get(status)
            if attributes is None:
                attributes = by_status[status] = {
                    "rpc.system": "grpc", "rpc.service": service, "rpc.method": method, "rpc.grpc.status": status}
            self._duration.record(time.perf_counter() - started, attributes)

        return record


def _status_of(error: BaseException, context: Any) -> str:
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return "CANCELLED"
    code = context.code() if isinstance(error, grpc.aio.AbortError) else None
    return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
