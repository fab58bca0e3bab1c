"""Calling another Aftercare service: a channel that carries the trace and a bearer token."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import grpc

from aftercare_platform.auth.principal import Role
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.clock import Clock, SystemClock
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.instrumentation import grpc_client_interceptors
from aftercare_platform.telemetry.setup import Telemetry

TokenSource = Callable[[], str]


class SystemTokenSource:
    """This service's own `system` token, re-minted before it expires (development secret)."""

    def __init__(self, settings: ServiceSettings, *, ttl_seconds: float = 3600, clock: Clock | None = None,
                 regions: Sequence[str] = ()) -> None:
        self._settings = settings
        self._ttl = ttl_seconds
        self._clock = clock or SystemClock()
        self._regions = tuple(regions)
        self._token = ""
        self._renew_at = self._clock.now()

    def __call__(self) -> str:
        now = self._clock.now()
        if not self._token or now >= self._renew_at:
            self._token = mint_token(self._settings, self._settings.service_name, Role.SYSTEM,
                                     regions=self._regions, ttl=self._ttl, clock=self._clock)
            # renew at 80% of the lifetime so a call never leaves with a token about to expire
            self._renew_at = now + timedelta(seconds=self._ttl * 0.8)
        return self._token


class BearerTokenInterceptor(
    grpc.aio.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds `authorization: Bearer <token>` unless the call already carries one."""

    def __init__(self, token: TokenSource) -> None:
        self._token = token

    def _with_token(self, details: Any) -> Any:
        metadata = grpc.aio.Metadata(*(tuple(details.metadata) if details.metadata else ()))
        if not any(key == "authorization" for key, _ in metadata):
            metadata.add("authorization", f"Bearer {self._token()}")
        return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials,
                                          details.wait_for_ready)

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)

    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._with_token(details), requests)

    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._with_token(details), requests)


def create_channel(target: str, *, telemetry: Telemetry | None = None, token: TokenSource | None = None,
                   options: Sequence[tuple[str, Any]] = ()) -> Any:
    """An insecure (in-cluster) grpc.aio channel with tracing and, if given, a bearer token source."""
    interceptors: list[Any] = grpc_client_interceptors(telemetry)
    if token is not None:
        interceptors.append(BearerTokenInterceptor(token))
    return grpc.aio.insecure_channel(target, options=list(options), interceptors=interceptors)


def reconnect_options(max_seconds: float) -> list[tuple[str, Any]]:
    """Channel options so a restarted server is noticed within `max_seconds` (gRPC's default backoff
    grows to two minutes)."""
    backoff_ms = int(max_seconds * 1000)
    return [
        ("grpc.initial_reconnect_backoff_ms", min(200, backoff_ms)),
        ("grpc.min_reconnect_backoff_ms", min(200, backoff_ms)),
        ("grpc.max_reconnect_backoff_ms", backoff_ms),
    ]
