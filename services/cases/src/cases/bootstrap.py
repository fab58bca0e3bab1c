"""The one place that builds the cases service's adapters and wires them to its entry points."""

from __future__ import annotations

from datetime import timedelta

from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from cases.adapters.tables import metadata
from cases.adapters.timeline_signals import TimelineSignals
from cases.domain.commands import ReplyPolicy
from cases.domain.cursor import CursorCodec
from cases.entrypoints.consumers import subscriptions
from cases.entrypoints.grpc_api import CaseServicer
from cases.entrypoints.http_api import case_router
from cases.handlers import CaseHandlers
from cases.reads import CaseReads
from cases.settings import CasesSettings


async def build(infra: Infrastructure[CasesSettings]) -> ServiceParts:
    settings = infra.settings
    database = infra.database
    signals = TimelineSignals(database, channel=f"{database.schema}_timeline")
    policy = ReplyPolicy(reopen_window=timedelta(days=settings.reopen_window_days),
                         reply_resumes=settings.customer_reply_resumes)
    handlers = CaseHandlers(database, signals, region_time_zones=settings.region_time_zones, reply_policy=policy)
    reads = CaseReads(
        database, signals, CursorCodec(settings.page_token_secret),
        watch_poll_seconds=settings.watch_poll_seconds,
    )
    return ServiceParts(
        grpc_servicers=[GrpcServicer(cases_pb2_grpc.add_CaseServiceServicer_to_server, CaseServicer(handlers, reads))],
        http_routers=[case_router(handlers, reads)],
        subscriptions=subscriptions(handlers),
        background=[signals],
    )


definition = ServiceDefinition(
    name="cases",
    package="cases",
    settings_class=CasesSettings,
    metadata=metadata,
    build=build,
)
