"""The one place that builds the inspection service's adapters and wires them to its entry points."""

from __future__ import annotations

from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.paging import PageTokens
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from inspection.adapters.gateways import GrpcDispatch, GrpcIntake
from inspection.adapters.tables import metadata
from inspection.entrypoints.consumers import subscriptions
from inspection.entrypoints.grpc_api import InspectionServicer
from inspection.entrypoints.http_api import router
from inspection.entrypoints.worker import InspectionWorker
from inspection.handlers.deliveries import Deliveries
from inspection.handlers.execution import ExecutionHandlers
from inspection.handlers.listing import Listings
from inspection.handlers.plans import PlanHandlers
from inspection.handlers.ticker import Ticker
from inspection.handlers.watch import WatchHandlers
from inspection.reads import InspectionReads
from inspection.settings import InspectionSettings


async def build(infra: Infrastructure[InspectionSettings]) -> ServiceParts:
    settings = infra.settings
    plans, execution = PlanHandlers(infra.database), ExecutionHandlers(infra.database)
    watches, reads = WatchHandlers(infra.database), InspectionReads(infra.database)
    listings = Listings(infra.database, PageTokens(settings.page_token_secret))
    intake = GrpcIntake(settings, target=settings.intake_grpc_target, reporter_email=settings.reporter_email,
                        timeout=settings.gateway_timeout_seconds,
                        reconnect_max_seconds=settings.gateway_reconnect_max_seconds)
    dispatch = GrpcDispatch(settings, target=settings.dispatch_grpc_target, timeout=settings.gateway_timeout_seconds,
                            reconnect_max_seconds=settings.gateway_reconnect_max_seconds)
    deliveries = Deliveries(infra.database, intake, dispatch,
                            max_backoff_seconds=settings.delivery_max_backoff_seconds)
    worker = InspectionWorker(infra.clock, plans, Ticker(infra.database), deliveries,
                              tick_seconds=settings.tick_seconds,
                              schedule_every_seconds=settings.schedule_every_seconds)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(inspection_pb2_grpc.add_InspectionServiceServicer_to_server,
                                     InspectionServicer(plans, execution, watches, reads, listings))],
        http_routers=[router(reads, execution, listings)],
        subscriptions=subscriptions(plans),
        background=[worker],
        closers=[intake.close, dispatch.close],
        gauges=[("aftercare_inspection_deliveries_pending", "calls to intake and dispatch not made yet",
                 reads.deliveries_pending)],
    )


definition = ServiceDefinition(
    name="inspection",
    package="inspection",
    settings_class=InspectionSettings,
    metadata=metadata,
    build=build,
    # it listens to cases (urgent problems), calls intake (findings become cases) and dispatch (field visits, rosters)
    start_after=("cases", "intake", "dispatch"),
)
