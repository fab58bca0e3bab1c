"""The one place that builds the cases service's adapters and wires them to its entry points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts

from cases.adapters.tables import metadata
from cases.adapters.timeline_signals import TimelineSignals
from cases.domain.cursor import CursorCodec
from cases.entrypoints.consumers import subscriptions
from cases.entrypoints.grpc_api import SERVICE_NAME, CaseServicer
from cases.entrypoints.http_api import case_router
from cases.handlers import CaseHandlers
from cases.reads import CaseReads
from cases.settings import CasesSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def build(infra: Infrastructure) -> ServiceParts:
    settings = infra.settings
    if not isinstance(settings, CasesSettings):
        settings = CasesSettings(**settings.model_dump())
    database = infra.database
    signals = TimelineSignals(database, channel=f"{database.schema}_timeline")
    handlers = CaseHandlers(database, signals, region_time_zones=settings.region_time_zones)
    reads = CaseReads(
        database, signals, CursorCodec(settings.page_token_secret),
        watch_poll_seconds=settings.watch_poll_seconds,
    )
    servicer = CaseServicer(handlers, reads)

    def register(server: Any) -> None:
        cases_pb2_grpc.add_CaseServiceServicer_to_server(servicer, server)

    return ServiceParts(
        grpc_servicers=[register],
        grpc_service_names=[SERVICE_NAME],
        http_routers=[case_router(handlers, reads)],
        subscriptions=subscriptions(handlers),
        background=[signals],
    )


definition = ServiceDefinition(
    name="cases",
    package="cases",
    settings_class=CasesSettings,
    metadata=metadata,
    migrations=MIGRATIONS,
    build=build,
)
