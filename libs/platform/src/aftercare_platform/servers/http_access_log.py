"""One INFO line per HTTP request: method, route (the template, not the raw path), status, duration, trace id."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("aftercare.access")

# probes and scrapes every few seconds would bury the requests that matter
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, recording_send)
        finally:
            path = str(scope.get("path", ""))
            route = getattr(scope.get("route"), "path", None) or ("(unmatched)" if status == 404 else path)
            method = str(scope.get("method", ""))
            duration_ms = (time.perf_counter() - started) * 1000
            level = logging.DEBUG if path in _QUIET_PATHS else logging.INFO
            log.log(level, "%s %s %d %.1f ms", method, route, status, duration_ms,
                    extra={"http_method": method, "http_route": route, "http_status": status,
                           "duration_ms": round(duration_ms, 1)})
