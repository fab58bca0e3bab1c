"""`python -m <service> relay`: the service's outbox relay as a process of its own (a sidecar in the pod).

For a service whose own work must not share the GIL with publishing (sla-timer firing a burst): the service
runs with `AFTERCARE_RELAY_IN_PROCESS=false`, its commits NOTIFY, and this process publishes. It serves
/healthz, /readyz (database and broker) and /metrics (the outbox backlog) on its own `AFTERCARE_HTTP_PORT`."""

from __future__ import annotations

from typing import Any

from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.servers.http import HttpServer, build_http_app
from aftercare_platform.servers.runner import RunnerParts
from aftercare_platform.service.assemble import open_infrastructure
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.platform_metrics import PlatformGauges
from aftercare_platform.telemetry.setup import Telemetry


async def relay_parts(definition: ServiceDefinition[Any], settings: ServiceSettings,
                      telemetry: Telemetry | None) -> RunnerParts:
    infra = await open_infrastructure(definition, settings, telemetry=telemetry)
    relay = OutboxRelay(infra.database, infra.broker, batch_size=settings.relay_batch_size)
    meter = telemetry.meter("aftercare.platform") if telemetry else None
    gauges = PlatformGauges(infra.database, infra.broker, [], meter=meter)
    app = build_http_app(settings, authenticator=infra.authenticator, telemetry=telemetry,
                         readiness_checks={"database": infra.database.ping, "broker": infra.broker.ping})
    return RunnerParts(http=HttpServer(app, settings), background=[relay, gauges],
                       closers=[infra.database.close, infra.broker.close])
