"""The one place that builds the dispatch service's adapters and wires them to its entry points."""

from __future__ import annotations

from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.paging import PageTokens
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from dispatch.adapters.case_gateway import GrpcCases
from dispatch.adapters.feed_links import FeedSigner
from dispatch.adapters.tables import metadata
from dispatch.assignment_handlers import AssignmentHandlers
from dispatch.case_work_handlers import CaseWorkHandlers
from dispatch.entrypoints.consumers import subscriptions
from dispatch.entrypoints.grpc_api import DispatchServicer
from dispatch.entrypoints.http_api import dispatch_router
from dispatch.entrypoints.http_feeds import feeds_router
from dispatch.entrypoints.http_field import field_router
from dispatch.entrypoints.loaner_sweep import LoanerSweep
from dispatch.handlers import DispatchHandlers
from dispatch.loaner_handlers import LoanerHandlers
from dispatch.rma_handlers import RmaHandlers
from dispatch.settings import DispatchSettings
from dispatch.stock_handlers import StockHandlers
from dispatch.vendor_handlers import VendorHandlers
from dispatch.visit_handlers import VisitHandlers


async def build(infra: Infrastructure[DispatchSettings]) -> ServiceParts:
    settings = infra.settings
    cases = GrpcCases(
        settings, target=settings.cases_grpc_target, timeout=settings.cases_call_timeout_seconds,
        reconnect_max_seconds=settings.cases_reconnect_max_seconds, telemetry=infra.telemetry,
    )  # fmt: skip
    handlers = DispatchHandlers(infra.database, cases, time_zone=settings.default_time_zone)
    loaners = LoanerHandlers(infra.database, cases)
    visits, rmas = VisitHandlers(infra.database, cases, handlers), RmaHandlers(infra.database, cases)
    stock, vendors = StockHandlers(infra.database, settings.region), VendorHandlers(infra.database, cases)
    assignments = AssignmentHandlers(infra.database, cases, handlers)
    case_work = CaseWorkHandlers(infra.database, PageTokens(settings.page_token_secret))
    servicer = DispatchServicer(handlers, visits, loaners, rmas, stock, assignments, vendors, case_work)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(dispatch_pb2_grpc.add_DispatchServiceServicer_to_server, servicer)],
        http_routers=[dispatch_router(handlers), feeds_router(handlers, FeedSigner(settings.jwt_secret)),
                      field_router(visits, loaners, rmas, stock, vendors)],
        subscriptions=subscriptions(handlers),
        background=[LoanerSweep(loaners, infra.clock, settings.loaner_sweep_seconds)],
        closers=[cases.close],
    )


definition = ServiceDefinition(
    name="dispatch",
    package="dispatch",
    settings_class=DispatchSettings,
    metadata=metadata,
    build=build,
    start_after=("cases", "sla-timer"),  # it assigns through cases and acts on sla-timer's warnings
)
