"""What a service declares about itself, and what the kit hands it to build its parts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import MetaData

from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.ports import Broker
from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.lifecycle import Component
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry

ServicerRegistration = Callable[[Any], None]


@dataclass
class Infrastructure:
    """Built once per service process (or per service in embedded mode) by the kit."""

    settings: ServiceSettings
    clock: Clock
    database: Database
    broker: Broker
    authenticator: Authenticator
    telemetry: Telemetry | None


@dataclass
class ServiceParts:
    """What a service's bootstrap returns: the kit serves, consumes and runs these."""

    grpc_servicers: list[ServicerRegistration] = field(default_factory=list)
    grpc_service_names: list[str] = field(default_factory=list)
    public_grpc_methods: list[str] = field(default_factory=list)
    http_routers: list[APIRouter] = field(default_factory=list)
    subscriptions: list[EventSubscription] = field(default_factory=list)
    background: list[Component] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # awaited by the outbox relay before each batch: a service whose foreground work must come first (a burst
    # of due SLA deadlines) holds publishing back while it lasts; the events wait safely in the outbox
    relay_yields_to: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    """A service, declared once in its bootstrap.py and found through the `aftercare.services` entry points."""

    name: str  # kebab-case, as the folder: "sla-timer"
    package: str  # "sla_timer": `python -m <package>` runs it
    settings_class: type[ServiceSettings]
    metadata: MetaData  # the service's tables, outbox and inbox included, in its own schema
    migrations: Path  # its Alembic script folder
    build: Callable[[Infrastructure], Awaitable[ServiceParts]]

    @property
    def schema(self) -> str:
        return self.name.replace("-", "_")

    def settings(self, **overrides: Any) -> ServiceSettings:
        """Settings from the environment, with this service's own name."""
        return self.settings_class(**{"service_name": self.name, **overrides})
