"""The one place that builds the console's parts and wires them to its pages."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.listen import ChannelListener
from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts

from console.adapters.oidc import OidcClient
from console.adapters.services import Services
from console.adapters.tables import metadata
from console.entrypoints import assets, case_pages, desk_pages, live, sign_in
from console.entrypoints.consumers import subscriptions
from console.entrypoints.web import Web
from console.handlers import QUEUE_CHANGED, ConsoleHandlers
from console.reads import ConsoleReads
from console.settings import ConsoleSettings


def health_only(server: Any) -> None:
    """The console has no gRPC API: its gRPC port serves the health protocol (the startup probe) only."""


async def build(infra: Infrastructure[ConsoleSettings]) -> ServiceParts:
    handlers = ConsoleHandlers(infra.database)
    services = Services(infra.settings, infra.telemetry)
    web = Web(infra.settings, infra.authenticator, services, handlers, ConsoleReads(infra.database), infra.clock)
    signal = live.QueueSignal()
    # after a reconnection the pages re-read too: a notification sent meanwhile is lost
    listener = ChannelListener.on(infra.database, QUEUE_CHANGED, signal.notify, on_connected=signal.notify)
    return ServiceParts(
        grpc_servicers=[health_only],
        http_routers=[assets.router(), sign_in.router(web, OidcClient(infra.settings)), desk_pages.router(web),
                      case_pages.router(web), live.router(web, signal)],
        subscriptions=subscriptions(handlers),
        background=[listener],
        closers=[services.close],
    )


definition = ServiceDefinition(
    name="console",
    package="console",
    settings_class=ConsoleSettings,
    metadata=metadata,
    build=build,
    # the services its pages call and whose events feed its queue start first
    start_after=("cases", "intake", "sla-timer", "dispatch"),
    front_door=("/login", "the agent console and the customer portal; on an empty database "
                          "`uv run python -m console.demo` adds demo data"),
)
