"""OpenTelemetry for gRPC (server and client interceptors), FastAPI and the database (a CLIENT span per SQL
statement, by the SQLAlchemy instrumentation), bound to a service's providers."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.grpc import aio_client_interceptors
from opentelemetry.instrumentation.grpc._aio_server import OpenTelemetryAioServerInterceptor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.semconv.metrics import MetricInstruments
from sqlalchemy.ext.asyncio import AsyncEngine

from aftercare_platform.telemetry.sampling import spans_recorded
from aftercare_platform.telemetry.setup import Telemetry

# the tracer already listening on an engine: a second one would write every statement's span twice
_engine_tracers: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

# probes and scrapes every few seconds would bury the real traffic
UNTRACED_GRPC_SERVICE_PREFIXES = ("grpc.health.", "grpc.reflection.")
UNTRACED_HTTP_PATHS = "/healthz,/readyz,/metrics"


def _is_traced_rpc(details: Any) -> bool:
    """The instrumentation's own `filters` find the method by isinstance checks against typing Protocols on
    every call (6% of intake's CPU under load); every call's details (server and client) carry `.method`."""
    method = getattr(details, "method", "")
    if isinstance(method, bytes):  # grpc.aio's client details carry bytes (grpc/grpc#31092)
        method = method.decode()
    return not method.lstrip("/").startswith(UNTRACED_GRPC_SERVICE_PREFIXES)


class _ServerSpanInterceptor(OpenTelemetryAioServerInterceptor):  # type: ignore[misc]
    """OpenTelemetry's aio server interceptor, also for streams written with `await context.write()`.

    Upstream drives every server stream with `async for`, which breaks handlers that write instead
    of yield (as grpc's own health Watch does); those are awaited like a unary call instead.
    """

    def _intercept_aio_server_stream(self, behavior: Any, handler_call_details: Any) -> Any:
        if inspect.isasyncgenfunction(behavior):
            return super()._intercept_aio_server_stream(behavior, handler_call_details)  # type: ignore[no-untyped-call]
        return self._intercept_aio_server_unary(behavior, handler_call_details)  # type: ignore[no-untyped-call]


def grpc_server_interceptor(telemetry: Telemetry | None) -> Any:
    """A SERVER span per RPC, parented on the caller's trace from the metadata."""
    tracer = trace.get_tracer("opentelemetry.instrumentation.grpc", tracer_provider=(
        telemetry.tracer_provider if telemetry else None))
    return _ServerSpanInterceptor(tracer, filter_=_is_traced_rpc)  # type: ignore[no-untyped-call]


def grpc_client_interceptors(telemetry: Telemetry | None) -> list[Any]:
    """CLIENT spans and trace propagation for calls to other services."""
    provider = telemetry.tracer_provider if telemetry else None
    interceptors = aio_client_interceptors(tracer_provider=provider, filter_=_is_traced_rpc)  # type: ignore[no-untyped-call]
    return list(interceptors)


def instrument_fastapi(app: FastAPI, telemetry: Telemetry | None) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=telemetry.tracer_provider if telemetry else None,
        meter_provider=telemetry.meter_provider if telemetry else None,
        excluded_urls=UNTRACED_HTTP_PATHS,
        # one SERVER span a request: the ASGI messages' own "http send"/"http receive" spans said nothing an
        # operator reads, and cost a span each even when nothing exports them
        exclude_spans=["receive", "send"],
    )


# the pool events the instrumentation counts connection usage on: observed at collection instead
_POOL_EVENTS = frozenset({"connect", "close", "checkin", "checkout"})


class _StatementTracer(EngineTracer):  # type: ignore[misc]
    """The SQLAlchemy instrumentation's tracer, idle while its provider records nothing: it would name, start
    and enter a span per statement only for the sampler to drop it (about 4% of intake's CPU under load).
    It does not count connection usage on every checkout and checkin (four counter updates a transaction,
    another 4% of intake's CPU): `_observe_usage` reads the pool when metrics are collected."""

    def __init__(self, tracer: Any, engine: Any, recording: Callable[[], bool]) -> None:
        self._recording = recording  # before the listeners are registered by the base class
        super().__init__(tracer, engine, None)  # type: ignore[no-untyped-call]

    @classmethod
    def _register_event_listener(cls, target: Any, identifier: str, func: Any, *args: Any, **kw: Any) -> None:
        if identifier not in _POOL_EVENTS:
            super()._register_event_listener(target, identifier, func, *args, **kw)  # type: ignore[no-untyped-call]

    def _before_cur_exec(self, conn: Any, cursor: Any, statement: Any, params: Any, context: Any,
                         executemany: bool) -> tuple[Any, Any]:
        if not self._recording():
            return statement, params  # no span on the context: the after and error listeners do nothing
        traced: tuple[Any, Any] = super()._before_cur_exec(  # type: ignore[no-untyped-call]
            conn, cursor, statement, params, context, executemany)
        return traced


def _recording(telemetry: Telemetry | None) -> Callable[[], bool]:
    provider = telemetry.tracer_provider if telemetry else None
    return (lambda: True) if provider is None else partial(spans_recorded, provider)


def instrument_database(engine: AsyncEngine, telemetry: Telemetry | None) -> Any:
    """A CLIENT span per statement on this engine (db.system, db.statement, the server), and the pool's
    connection-usage metric. Per engine, not the global instrumentor: embedded mode runs several services'
    engines, each with its own providers, in one process. Once per engine (a second call returns the first
    tracer), and the SQLAlchemy instrumentation only: asyncpg's would trace the same statements again."""
    sync_engine = engine.sync_engine
    if sync_engine in _engine_tracers:
        return _engine_tracers[sync_engine]
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy",
                              tracer_provider=telemetry.tracer_provider if telemetry else None)
    meter = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy",
                              meter_provider=telemetry.meter_provider if telemetry else None)
    engine_tracer = _StatementTracer(tracer, sync_engine, _recording(telemetry))
    _engine_tracers[sync_engine] = engine_tracer
    _observe_usage(meter, sync_engine.pool, engine_tracer._engine_attrs)
    return engine_tracer


# per meter, the pools its connection-usage instrument reads (embedded mode runs several engines a meter)
_usage_pools: weakref.WeakKeyDictionary[Any, list[tuple[weakref.ReferenceType[Any], dict[str, Any]]]] = (
    weakref.WeakKeyDictionary())


def _observe_usage(meter: metrics.Meter, pool: Any, attributes: dict[str, Any]) -> None:
    """The instrumentation's `db.client.connections.usage` (idle and used, by pool), read from the pool."""
    if not hasattr(pool, "checkedout"):
        return  # a pool that keeps no connections (SQLite's NullPool, StaticPool) has no usage to report
    pools = _usage_pools.setdefault(meter, [])
    pools.append((weakref.ref(pool), attributes))
    if len(pools) > 1:
        return

    def observe(_options: CallbackOptions) -> Iterable[Observation]:
        live = [(pool, attrs) for ref, attrs in pools if (pool := ref()) is not None]
        pools[:] = [(weakref.ref(pool), attrs) for pool, attrs in live]  # a disposed engine's pool goes
        return [observation for pool, attrs in live for observation in (
            Observation(pool.checkedin(), {**attrs, "state": "idle"}),
            Observation(pool.checkedout(), {**attrs, "state": "used"}))]

    meter.create_observable_up_down_counter(
        name=MetricInstruments.DB_CLIENT_CONNECTIONS_USAGE, callbacks=[observe], unit="connections",
        description="The number of connections that are currently in state described by the state attribute.")
