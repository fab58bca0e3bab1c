"""The one place that builds the dispatch service's adapters and wires them to its entry points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts

from dispatch.adapters.cases_gateway import GrpcCases
from dispatch.adapters.tables import metadata
from dispatch.entrypoints.consumers import subscriptions
from dispatch.entrypoints.grpc_api import SERVICE_NAME, DispatchServicer
from dispatch.entrypoints.http_api import dispatch_router
from dispatch.handlers import DispatchHandlers
from dispatch.settings import DispatchSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def build(infra: Infrastructure) -> ServiceParts:
    settings = infra.settings
    if not isinstance(settings, DispatchSettings):
        settings = DispatchSettings(**settings.model_dump())
    cases = GrpcCases(
        settings, target=settings.cases_grpc_target, timeout=settings.cases_call_timeout_seconds,
        reconnect_max_seconds=settings.cases_reconnect_max_seconds, telemetry=infra.telemetry,
    )  # fmt: skip
    handlers = DispatchHandlers(infra.database, cases, time_zone=settings.default_time_zone)
    servicer = DispatchServicer(handlers)

    def register(server: Any) -> None:
        dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(servicer, server)

    return ServiceParts(
        grpc_servicers=[register],
        grpc_service_names=[SERVICE_NAME],
        http_routers=[dispatch_router(handlers)],
        subscriptions=subscriptions(handlers),
        closers=[cases.close],
    )


definition = ServiceDefinition(
    name="dispatch",
    package="dispatch",
    settings_class=DispatchSettings,
    metadata=metadata,
    migrations=MIGRATIONS,
    build=build,
)
