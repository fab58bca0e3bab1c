"""What a service declares about itself, and what the kit hands it to build its parts."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic

from fastapi import APIRouter
from sqlalchemy import MetaData
from typing_extensions import TypeVar

from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.ports import Broker
from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.lifecycle import Component
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.platform_metrics import GaugeSample
from aftercare_platform.telemetry.setup import Telemetry

# a bare `ServiceDefinition` / `Infrastructure` means one on plain ServiceSettings
SettingsT = TypeVar("SettingsT", bound=ServiceSettings, default=ServiceSettings)
# covariant, so a build written for `Infrastructure` (plain settings) still fits any definition
SettingsT_co = TypeVar("SettingsT_co", bound=ServiceSettings, default=ServiceSettings, covariant=True)
# the old way, still accepted: `lambda server: add_XServicer_to_server(servicer, server)`
ServicerRegistration = Callable[[Any], None]


@dataclass(frozen=True)
class GrpcServicer:
    """A servicer and the generated function that adds it: `GrpcServicer(add_XServicer_to_server, servicer)`.

    Its full service name (`aftercare.x.v1.XService`, for health and reflection) is read from the
    generated module, so a service no longer lists it a second time."""

    add: Callable[[Any, Any], None]
    servicer: Any

    def __call__(self, server: Any) -> None:
        self.add(self.servicer, server)

    @property
    def service_name(self) -> str | None:
        """From `<x>_pb2_grpc.add_<Name>Servicer_to_server` to `<x>_pb2.DESCRIPTOR`'s full name."""
        module, function = getattr(self.add, "__module__", ""), getattr(self.add, "__name__", "")
        if not (module.endswith("_pb2_grpc") and function.startswith("add_")
                and function.endswith("Servicer_to_server")):
            return None
        messages = importlib.import_module(module.removesuffix("_grpc"))
        service = messages.DESCRIPTOR.services_by_name.get(function[4:].removesuffix("Servicer_to_server"))
        return service.full_name if service is not None else None


@dataclass(frozen=True)
class Infrastructure(Generic[SettingsT_co]):
    """Built once per service process (or per service in embedded mode) by the kit.

    `settings` is an instance of the definition's settings class: `infra.settings.page_token_secret`
    type-checks in a service's `build(infra: Infrastructure[CasesSettings])`, with no coercion."""

    settings: SettingsT_co
    clock: Clock
    database: Database
    broker: Broker
    authenticator: Authenticator
    telemetry: Telemetry | None


@dataclass
class ServiceParts:
    """What a service's bootstrap returns: the kit serves, consumes and runs these."""

    # GrpcServicer(add_XServicer_to_server, servicer), or (add, servicer) pairs, or a registration callable
    grpc_servicers: list[GrpcServicer | tuple[Callable[[Any, Any], None], Any] | ServicerRegistration] = field(
        default_factory=list)
    # only needed for servicers whose name cannot be read from generated code (registration callables)
    grpc_service_names: list[str] = field(default_factory=list)
    public_grpc_methods: list[str] = field(default_factory=list)
    http_routers: list[APIRouter] = field(default_factory=list)
    subscriptions: list[EventSubscription] = field(default_factory=list)
    background: list[Component] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # awaited by the outbox relay before each batch: a service whose foreground work must come first (a burst
    # of due SLA deadlines) holds publishing back while it lasts; the events wait safely in the outbox
    relay_yields_to: Callable[[], Awaitable[None]] | None = None
    # the service's own gauges (name, description, sampler), sampled with the platform's: deliveries pending, …
    gauges: list[tuple[str, str, GaugeSample]] = field(default_factory=list)

    @property
    def registrations(self) -> list[ServicerRegistration]:
        """Every servicer as a callable that adds it to a grpc server."""
        return [GrpcServicer(*entry) if isinstance(entry, tuple) else entry for entry in self.grpc_servicers]

    @property
    def service_names(self) -> list[str]:
        """The declared names, then those read from generated code, each once."""
        found = [r.service_name for r in self.registrations if isinstance(r, GrpcServicer)]
        return list(dict.fromkeys([*self.grpc_service_names, *(name for name in found if name)]))


def default_migrations(package: str) -> Path:
    """`migrations/` beside the package (`aftercare_platform/testing/probe_service/migrations`), or at the
    service's root, two levels up from `src/<package>` (`services/<name>/migrations`)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package}: not an importable package, so its migrations cannot be found")
    folder = Path(next(iter(spec.submodule_search_locations))).resolve()
    for candidate in (folder / "migrations", folder.parents[1] / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError(f"{package}: no migrations/env.py beside the package nor at {folder.parents[1]}")


@dataclass(frozen=True, kw_only=True)
class ServiceDefinition(Generic[SettingsT]):
    """A service, declared once in its bootstrap.py and found through the `aftercare.services` entry points.

        definition = ServiceDefinition(name="cases", package="cases", settings_class=CasesSettings,
                                       metadata=metadata, build=build)
    """

    name: str  # kebab-case, as the folder: "sla-timer"
    package: str  # "sla_timer": `python -m <package>` runs it
    settings_class: type[SettingsT]
    metadata: MetaData  # the service's tables, outbox and inbox included, in its own schema
    build: Callable[[Infrastructure[SettingsT]], Awaitable[ServiceParts]]
    # its Alembic script folder; left out, it is found from the package's location (default_migrations)
    migrations: Path | None = None
    # the services it calls or listens to: `aftercare run` starts those first (names not installed are ignored)
    start_after: tuple[str, ...] = ()
    # a service people open in a browser: the path of its first page and what it is, for `aftercare run`'s
    # banner (e.g. ("/", "the agent console and the customer portal")); empty for an API-only service
    front_door: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_after", tuple(self.start_after))
        if self.migrations is None:
            object.__setattr__(self, "migrations", default_migrations(self.package))

    @property
    def migrations_dir(self) -> Path:
        if self.migrations is None:  # only before __post_init__ ran
            raise RuntimeError(f"{self.name}: no migrations folder")
        return self.migrations

    @property
    def schema(self) -> str:
        return self.name.replace("-", "_")

    def settings(self, **overrides: Any) -> SettingsT:
        """Settings from the environment, with this service's own name."""
        return self.settings_class(**{"service_name": self.name, **overrides})

    def typed(self, settings: ServiceSettings) -> SettingsT:
        """These settings as this service's settings class (tests may hand in a plain ServiceSettings)."""
        if isinstance(settings, self.settings_class):
            return settings
        return self.settings_class(**settings.model_dump())
