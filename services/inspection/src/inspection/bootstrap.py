"""The one place that builds the inspection service's adapters and wires them to its entry points."""

from __future__ import annotations

from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from inspection.adapters.tables import metadata
from inspection.entrypoints.consumers import subscriptions
from inspection.entrypoints.grpc_api import InspectionServicer
from inspection.entrypoints.http_api import router
from inspection.handlers import InspectionHandlers
from inspection.reads import InspectionReads
from inspection.settings import InspectionSettings


async def build(infra: Infrastructure[InspectionSettings]) -> ServiceParts:
    handlers = InspectionHandlers(infra.database, region=infra.settings.region)
    reads = InspectionReads(infra.database)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(inspection_pb2_grpc.add_InspectionServiceServicer_to_server,
                                     InspectionServicer(handlers, reads))],
        http_routers=[router(reads)],
        subscriptions=subscriptions(handlers),
    )


definition = ServiceDefinition(
    name="inspection",
    package="inspection",
    settings_class=InspectionSettings,
    metadata=metadata,
    build=build,
    # the services it calls or listens to, so `aftercare run` starts them first: e.g. ("cases",)
    start_after=(),
)
