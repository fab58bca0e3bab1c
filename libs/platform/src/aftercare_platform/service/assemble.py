"""Turns a ServiceDefinition into running parts: database, broker, relay, consumers, servers."""

from __future__ import annotations

import logging
from typing import Any

from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.consumer import EventConsumer
from aftercare_platform.bus.in_process import InProcessBroker
from aftercare_platform.bus.ports import Broker
from aftercare_platform.clock import Clock, SystemClock
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.lifecycle import Component
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.outbox.tables import INBOX, OUTBOX, PlatformTables
from aftercare_platform.servers.grpc import GrpcServer, build_grpc_server
from aftercare_platform.servers.http import HttpServer, build_http_app
from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts, SettingsT
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.instrumentation import instrument_database
from aftercare_platform.telemetry.platform_metrics import PlatformGauges
from aftercare_platform.telemetry.setup import Telemetry

log = logging.getLogger(__name__)


def platform_tables_of(definition: ServiceDefinition[Any]) -> PlatformTables:
    tables, schema = definition.metadata.tables, definition.schema
    try:
        return PlatformTables(outbox=tables[f"{schema}.{OUTBOX}"], inbox=tables[f"{schema}.{INBOX}"])
    except KeyError as missing:
        raise RuntimeError(
            f"{definition.name}: its metadata must include the outbox and inbox (define_platform_tables)"
        ) from missing


def open_database(definition: ServiceDefinition[Any], settings: ServiceSettings, clock: Clock) -> Database:
    engine = create_engine(settings.database_url, definition.schema, pool_size=settings.database_pool_size)
    return Database(engine, schema=definition.schema, service_name=definition.name,
                    tables=platform_tables_of(definition), clock=clock, partitions=settings.relay_partitions)


async def migrate(definition: ServiceDefinition[Any], settings: ServiceSettings) -> None:
    engine = create_engine(settings.database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations_dir, definition.schema)
    finally:
        await engine.dispose()


async def open_infrastructure(
    definition: ServiceDefinition[SettingsT],
    settings: ServiceSettings,
    *,
    telemetry: Telemetry | None,
    clock: Clock | None = None,
    broker: Broker | None = None,
) -> Infrastructure[SettingsT]:
    """`infra.settings` is always the definition's settings class (a plain ServiceSettings is converted)."""
    typed = definition.typed(settings)
    clock = clock or SystemClock()
    chosen: Broker
    if broker is not None:
        chosen = broker
    else:
        chosen = (InProcessBroker() if settings.uses_in_process_bus
                  else AmqpBroker(settings.amqp_url, connection_name=f"{definition.name}@{settings.region}"))
        await chosen.connect()
    database = open_database(definition, typed, clock)
    instrument_database(database.engine, telemetry)
    return Infrastructure(settings=typed, clock=clock, database=database,
                          broker=chosen, authenticator=Authenticator(settings), telemetry=telemetry)


class AssembledService:
    """Everything one service runs, in the order the runner starts and stops it."""

    def __init__(self, definition: ServiceDefinition[Any], infra: Infrastructure[Any], parts: ServiceParts) -> None:
        settings = infra.settings
        self.definition, self.infra, self.parts = definition, infra, parts
        self.relay = OutboxRelay(infra.database, infra.broker, batch_size=settings.relay_batch_size,
                                 yield_to=parts.relay_yields_to)
        self.event_consumers = [
            EventConsumer(infra.broker, infra.database, subscription, prefetch=settings.prefetch,
                          delivery_limit=settings.delivery_limit, attempts=settings.handler_retries,
                          linger=settings.consumer_window_linger_seconds)
            for subscription in parts.subscriptions
        ]
        self.consumers: list[Component] = list(self.event_consumers)
        meter = infra.telemetry.meter("aftercare.platform") if infra.telemetry else None
        self.gauges = PlatformGauges(infra.database, infra.broker, [s.queue for s in parts.subscriptions],
                                     meter=meter)
        for name, description, sample in parts.gauges:
            self.gauges.add(name, description, sample)
        self.grpc: GrpcServer | None = None
        if parts.grpc_servicers:
            self.grpc = build_grpc_server(
                settings, servicers=parts.registrations, service_names=parts.service_names,
                authenticator=infra.authenticator, telemetry=infra.telemetry,
                public_methods=parts.public_grpc_methods,
            )
        app = build_http_app(
            settings, routers=parts.http_routers, authenticator=infra.authenticator, telemetry=infra.telemetry,
            readiness_checks={"database": infra.database.ping, "broker": infra.broker.ping,
                              "consuming": self.consuming},
        )
        self.http = HttpServer(app, settings)

    async def consuming(self) -> bool:
        """Ready means consuming: every queue attached (re-attached after a broker restart) and handling."""
        return all(consumer.consuming for consumer in self.event_consumers)

    @property
    def background(self) -> list[Component]:
        relay = [self.relay] if self.infra.settings.relay_in_process else []
        return [*relay, self.gauges, *self.parts.background]


async def assemble(definition: ServiceDefinition[SettingsT], infra: Infrastructure[SettingsT]) -> AssembledService:
    parts = await definition.build(infra)
    return AssembledService(definition, infra, parts)
