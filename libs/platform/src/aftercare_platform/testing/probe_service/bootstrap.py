"""Wiring: the handlers on the service's database, their gRPC servicer and consumer."""

from __future__ import annotations

from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts
from aftercare_platform.testing.probe_service.adapters.tables import metadata
from aftercare_platform.testing.probe_service.entrypoints.consumers import subscriptions
from aftercare_platform.testing.probe_service.entrypoints.grpc_api import SERVICE, ProbeServicer
from aftercare_platform.testing.probe_service.handlers import ProbeHandlers
from aftercare_platform.testing.probe_service.settings import ProbeSettings


async def build(infra: Infrastructure[ProbeSettings]) -> ServiceParts:
    handlers = ProbeHandlers(infra.database, region=infra.settings.region)
    return ServiceParts(
        grpc_servicers=[ProbeServicer(handlers).register],  # JSON over gRPC: registered by hand, so named below
        grpc_service_names=[SERVICE],
        subscriptions=subscriptions(handlers),
    )


definition = ServiceDefinition(
    name="probe", package="aftercare_platform.testing.probe_service", settings_class=ProbeSettings,
    metadata=metadata, build=build,  # migrations: the folder beside this package's modules
)
