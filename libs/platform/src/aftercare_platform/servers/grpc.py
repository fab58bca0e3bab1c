"""The gRPC server every service runs: health, reflection, and the telemetry/error/auth interceptors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.servers.grpc_auth import AuthInterceptor
from aftercare_platform.servers.grpc_errors import ErrorMappingInterceptor
from aftercare_platform.servers.grpc_guard import RequestGuardInterceptor
from aftercare_platform.servers.grpc_metrics import GrpcMetricsInterceptor
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.instrumentation import grpc_server_interceptor
from aftercare_platform.telemetry.setup import Telemetry

log = logging.getLogger(__name__)

# e.g. `lambda server: cases_pb2_grpc.add_CaseServiceServicer_to_server(CaseApi(...), server)`
ServicerRegistration = Callable[[Any], None]

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
OVERALL = ""  # the health protocol's name for "the server as a whole"
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class GrpcServer:
    """A Component: `start()` serves and reports SERVING; `stop(grace)` drains in-flight calls."""

    name = "grpc"

    def __init__(self, server: Any, health: health_aio.HealthServicer, service_names: Sequence[str],
                 port: int, grace_seconds: float) -> None:
        self.server = server
        self.health = health
        self.service_names = tuple(service_names)
        self.port = port
        self._grace = grace_seconds
        self._started = False

    async def start(self) -> None:
        await self.server.start()
        self._started = True
        await self.set_serving()
        log.info("grpc server started", extra={"grpc_port": self.port, "grpc_services": list(self.service_names)})

    async def set_serving(self) -> None:
        for service in (OVERALL, *self.service_names):
            await self.health.set(service, _SERVING)

    async def set_not_serving(self) -> None:
        """Health turns NOT_SERVING for every service, for good: load balancers stop sending calls."""
        await self.health.enter_graceful_shutdown()

    async def stop(self, grace: float | None = None) -> None:
        await self.set_not_serving()
        if self._started:
            await self.server.stop(self._grace if grace is None else grace)
            self._started = False
            log.info("grpc server stopped", extra={"grpc_port": self.port})

    async def wait_for_termination(self) -> None:
        await self.server.wait_for_termination()


def build_grpc_server(
    settings: ServiceSettings,
    *,
    servicers: Iterable[ServicerRegistration],
    service_names: Sequence[str],
    authenticator: Authenticator,
    telemetry: Telemetry | None = None,
    public_methods: Iterable[str] = (),
    host: str | None = None,
    port: int | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> GrpcServer:
    """Build (and bind, so `.port` is known even for port 0) a grpc.aio server; `start()` serves it.

    `service_names` are full names (`aftercare.cases.v1.CaseService`): reported by health and reflection.
    `public_methods` are full method paths (`/pkg.Service/Method`) callable without a token.
    """
    interceptors = [
        grpc_server_interceptor(telemetry),  # outermost: the span covers auth and error mapping
        GrpcMetricsInterceptor(telemetry),  # outside error mapping, so it counts the status sent
        ErrorMappingInterceptor(),
        AuthInterceptor(authenticator, public_methods),
        RequestGuardInterceptor(),  # innermost: the token is checked before the request's content
    ]
    limits = [("grpc.max_receive_message_length", settings.grpc_max_message_bytes),
              ("grpc.max_send_message_length", settings.grpc_max_message_bytes)]
    # no port sharing: a second process on the same port must fail loudly, not split the traffic
    server = grpc.aio.server(interceptors=interceptors, options=[("grpc.so_reuseport", 0), *limits, *options])
    for register in servicers:
        register(server)

    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection([*service_names, HEALTH_SERVICE, reflection.SERVICE_NAME], server)

    address = f"{host or settings.grpc_host}:{settings.grpc_port if port is None else port}"
    bound_port = server.add_insecure_port(address)
    if not bound_port:
        raise RuntimeError(f"gRPC server cannot listen on {address}")
    return GrpcServer(server, health, service_names, bound_port, settings.shutdown_grace_seconds)
