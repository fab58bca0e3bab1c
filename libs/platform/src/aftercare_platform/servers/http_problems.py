"""RFC 9457 problem responses for everything an HTTP request can end in, in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftercare_platform.errors import DomainError, Unauthenticated, Unavailable
from aftercare_platform.outage import RETRY_AFTER_SECONDS, is_outage_error
from aftercare_platform.servers.error_statuses import PROBLEM_TYPE_BASE, problem_type_of, statuses_of
from aftercare_platform.servers.http_routes import flat_routes
from aftercare_platform.telemetry.propagation import current_trace_id

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass
class Problem:
    """An RFC 9457 problem body."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_for(error: DomainError) -> Problem:
    return Problem(
        type=problem_type_of(error),
        title=error.title,
        status=int(statuses_of(error).http),
        detail=error.detail,
        errors=[{"field": v.field, "description": v.description} for v in error.violations],
        extra={k: v for k, v in error.extra.items() if isinstance(v, str | int | float | bool | list)},
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> ProblemResponse:
    trace_id = current_trace_id()
    if trace_id:
        # lets support match a customer's complaint to the trace and the logs
        body = {**body, "trace_id": trace_id}
    return ProblemResponse(body, status_code=status, headers=headers)


async def domain_error_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, DomainError)
    problem = problem_for(error)
    body = problem.as_dict() | {"instance": request.url.path}
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if isinstance(error, Unauthenticated) else None
    if isinstance(error, Unavailable):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return problem_response(problem.status, body, headers)


async def validation_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    violations = [
        {"field": ".".join(str(part) for part in issue.get("loc", ())), "description": str(issue.get("msg", ""))}
        for issue in error.errors()
    ]
    summary = "; ".join(f"{v['field']}: {v['description']}" for v in violations)
    return problem_response(HTTPStatus.BAD_REQUEST, {
        "type": PROBLEM_TYPE_BASE + "invalid-argument",
        "title": "Invalid argument",
        "status": int(HTTPStatus.BAD_REQUEST),
        "detail": f"the request is invalid: {summary}",
        "instance": request.url.path,
        "errors": violations,
    })


def allowed_methods(request: Request) -> str:
    """Every method of the path template the request's path is routed by (as OpenAPI groups operations):
    all its routes' methods, where Starlette names only the first route's."""
    matching = [route for route in flat_routes(request.app.router.routes)
                if route.matches(request.scope)[0] is not Match.NONE]
    template = getattr(matching[0], "path", None) if matching else None
    methods = {method for route in matching if getattr(route, "path", None) == template
               for method in getattr(route, "methods", None) or ()}
    return ", ".join(sorted(methods))


async def http_exception_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    # about:blank is RFC 9457's type for "nothing more than the HTTP status says"
    return problem_response(error.status_code, {
        "type": "about:blank",
        "title": phrase,
        "status": error.status_code,
        "detail": str(error.detail) if error.detail else phrase,
        "instance": request.url.path,
    }, headers or None)


def outage_problem(path: str) -> ProblemResponse:
    """The database or broker cannot be reached: nothing is wrong with the request, so try it again soon."""
    error = Unavailable("the service cannot reach what it depends on right now; retry shortly")
    return problem_response(problem_for(error).status, problem_for(error).as_dict() | {"instance": path},
                            {"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error_problem(path: str) -> ProblemResponse:
    return problem_response(HTTPStatus.INTERNAL_SERVER_ERROR, {
        "type": PROBLEM_TYPE_BASE + "internal",
        "title": "Internal error",
        "status": int(HTTPStatus.INTERNAL_SERVER_ERROR),
        "detail": "the request failed on our side; it has been logged",
        "instance": path,
    })


class UnhandledErrorMiddleware:
    """Turns an unexpected exception into a 500 problem (stack to the log, never to the client).

    A middleware rather than an `Exception` handler: Starlette re-raises after calling those.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, tracking_send)
        except Exception as error:
            if is_outage_error(error) and not response_started:
                # an outage is the other side's, not a bug here: one line, no stack
                log.warning("request refused during an outage: %s: %s", type(error).__name__, error,
                            extra={"http_method": scope.get("method"), "http_path": scope.get("path")})
                await outage_problem(str(scope.get("path", "")))(scope, receive, send)
                return
            log.exception("request failed unexpectedly",
                          extra={"http_method": scope.get("method"), "http_path": scope.get("path")})
            if response_started:
                raise
            await internal_error_problem(str(scope.get("path", "")))(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_problem)
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(StarletteHTTPException, http_exception_problem)
    app.add_middleware(UnhandledErrorMiddleware)
