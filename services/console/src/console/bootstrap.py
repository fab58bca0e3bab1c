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
from console.entrypoints.presence_live import CaseWatchers, PresenceHeartbeat
from console.entrypoints.web import Web
from console.handlers import PRESENCE_CHANGED, QUEUE_CHANGED, ConsoleHandlers
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
    watchers = CaseWatchers(web)
    # every replica hears who came to or left a case on any replica
    presence = ChannelListener.on(infra.database, PRESENCE_CHANGED, watchers.changed,
                                  on_connected=watchers.all_changed)
    return ServiceParts(
        grpc_servicers=[health_only],
        http_routers=[assets.router(), sign_in.router(web, OidcClient(infra.settings)), desk_pages.router(web),
                      case_pages.router(web), live.router(web, signal, watchers)],
        subscriptions=subscriptions(handlers),
        background=[listener, presence, PresenceHeartbeat(watchers, web, infra.clock)],
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
