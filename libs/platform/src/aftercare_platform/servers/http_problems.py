"""RFC 9457 problem responses for everything an HTTP request can end in, in one place."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftercare_platform.errors import PROBLEM_TYPE_BASE, DomainError, Unauthenticated, problem_for
from aftercare_platform.telemetry.propagation import current_trace_id

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


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
    body = problem_for(error).as_dict() | {"instance": request.url.path}
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if isinstance(error, Unauthenticated) else None
    return problem_response(int(error.http_status), body, headers)


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


async def http_exception_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    # about:blank is RFC 9457's type for "nothing more than the HTTP status says"
    return problem_response(error.status_code, {
        "type": "about:blank",
        "title": phrase,
        "status": error.status_code,
        "detail": str(error.detail) if error.detail else phrase,
        "instance": request.url.path,
    }, dict(error.headers) if error.headers else None)


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
        except Exception:
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
