"""The HTTP side of every service: FastAPI with health, readiness, metrics and problem responses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from aftercare_platform.auth.fastapi import AUTHENTICATOR_STATE
from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.servers.error_statuses import PROBLEM_TYPE_BASE
from aftercare_platform.servers.http_access_log import AccessLogMiddleware
from aftercare_platform.servers.http_guard import RequestGuardMiddleware
from aftercare_platform.servers.http_openapi import install_openapi
from aftercare_platform.servers.http_problems import install_problem_handlers, problem_response
from aftercare_platform.servers.readiness import Readiness, ReadinessCheck
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.instrumentation import instrument_fastapi
from aftercare_platform.telemetry.setup import Telemetry

log = logging.getLogger(__name__)

READINESS_STATE = "readiness"
# uvicorn's C parser (httptools), named so a missing one fails at start: the pure-Python h11 cost more CPU a request
HTTP_PARSER = "httptools"


def build_http_app(
    settings: ServiceSettings,
    *,
    routers: Iterable[APIRouter] = (),
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    authenticator: Authenticator,
    telemetry: Telemetry | None = None,
    registry: CollectorRegistry | None = None,
    readiness_timeout_seconds: float = 2.0,
) -> FastAPI:
    """A FastAPI app with /healthz, /readyz, /metrics and RFC 9457 problems; `routers` add the API.

    Endpoints take the caller with `principal: Principal = Depends(require_principal)`.
    """
    app = FastAPI(title=f"Aftercare {settings.service_name}", version="1")
    readiness = Readiness(readiness_checks or {}, timeout_seconds=readiness_timeout_seconds)
    setattr(app.state, READINESS_STATE, readiness)
    setattr(app.state, AUTHENTICATOR_STATE, authenticator)
    metrics_registry = registry or (telemetry.registry if telemetry else REGISTRY)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        # liveness: the event loop answers; dependencies are readiness's business, not a reason to restart
        return {"status": "alive", "service": settings.service_name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        report = await readiness.evaluate()
        if report.ready:
            return JSONResponse({"status": "ready", "checks": report.checks})
        detail = "shutting down" if report.shutting_down else f"failing checks: {', '.join(report.failing)}"
        return problem_response(HTTPStatus.SERVICE_UNAVAILABLE, {
            "type": PROBLEM_TYPE_BASE + "not-ready",
            "title": "Not ready",
            "status": int(HTTPStatus.SERVICE_UNAVAILABLE),
            "detail": detail,
            "checks": report.checks,
        })

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(content=generate_latest(metrics_registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    # before every endpoint, inside the unhandled-error guard install_problem_handlers adds around it
    app.add_middleware(RequestGuardMiddleware, owner=app, max_body_bytes=settings.http_max_body_bytes)
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(AccessLogMiddleware)
    instrument_fastapi(app, telemetry)
    return app


def readiness_of(app: FastAPI) -> Readiness:
    readiness: Readiness = getattr(app.state, READINESS_STATE)
    return readiness


class _RunnerOwnsSignals(uvicorn.Server):
    """uvicorn would take SIGTERM/SIGINT for itself; the ServiceRunner decides the shutdown order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """A Component serving a FastAPI app with uvicorn; `stop()` finishes in-flight requests."""

    name = "http"

    def __init__(self, app: FastAPI, settings: ServiceSettings, *, host: str | None = None,
                 port: int | None = None) -> None:
        self.app = app
        self._config = uvicorn.Config(
            app,
            host=host or settings.http_host,
            port=settings.http_port if port is None else port,
            lifespan="off",  # resources belong to the runner, not to the app
            http=HTTP_PARSER,
            log_config=None,  # log through the service's JSON root handler
            access_log=False,
            # X-Forwarded-For is believed only from the proxies configured, never from any local peer
            proxy_headers=bool(settings.http_trusted_proxies.strip()),
            forwarded_allow_ips=settings.http_trusted_proxies.strip() or None,
            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_seconds)),
        )
        self._server = _RunnerOwnsSignals(self._config)
        self._task: asyncio.Task[None] | None = None
        self.port = self._config.port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="uvicorn")
        while not self._server.started:
            if self._task.done():
                # uvicorn exits (SystemExit) rather than raising when it cannot bind
                with contextlib.suppress(BaseException):
                    self._task.result()
                raise RuntimeError(f"HTTP server did not start on {self._config.host}:{self._config.port}")
            await asyncio.sleep(0.01)
        self.port = _bound_port(self._server) or self.port
        log.info("http server started", extra={"http_port": self.port})

    def set_not_ready(self) -> None:
        readiness_of(self.app).set_not_ready()

    async def stop(self) -> None:
        self.set_not_ready()
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._task = None
        log.info("http server stopped", extra={"http_port": self.port})


def _bound_port(server: uvicorn.Server) -> int | None:
    for listener in getattr(server, "servers", []):
        for sock in listener.sockets:
            port: Any = sock.getsockname()[1]
            return int(port)
    return None
