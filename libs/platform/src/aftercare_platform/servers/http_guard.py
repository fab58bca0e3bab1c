"""What every HTTP request of every service goes through before its endpoint, in this order:

1. the path and the query: UTF-8, no NUL characters, integers within int64 (400, the field named);
2. the caller: an endpoint that needs a principal has its bearer token checked *before* the body
   is read (401), so an anonymous caller cannot make a service read, let alone parse, a body;
3. the body: a declared size over `http_max_body_bytes` is 413 at once, a streamed one is cut off
   with 413 as soon as it passes the limit; a body of a media type the endpoint does not take is 415
   (JSON unless the endpoint says otherwise with `@accepts(...)`; a body with no Content-Type is
   taken as the endpoint's own type).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftercare_platform.auth.fastapi import AUTHENTICATOR_STATE, PRINCIPAL_SCOPE_KEY, require_principal
from aftercare_platform.errors import DomainError, InvalidArgument, PayloadTooLarge, UnsupportedMediaType
from aftercare_platform.servers.error_statuses import statuses_of
from aftercare_platform.servers.http_problems import problem_for, problem_response
from aftercare_platform.servers.http_routes import flat_routes
from aftercare_platform.validation import check_integer_text, check_text

JSON_MEDIA_TYPES = frozenset({"application/json"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ACCEPTS = "__aftercare_accepts__"

F = TypeVar("F", bound=Callable[..., Any])


def accepts(*media_types: str) -> Callable[[F], F]:
    """Declare the body media types an endpoint takes (default: JSON); anything else is 415."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _ACCEPTS, frozenset(m.lower() for m in media_types))
        return endpoint

    return mark


def needs_principal(dependant: Dependant) -> bool:
    return any(dep.call is require_principal or needs_principal(dep) for dep in dependant.dependencies)


def endpoint_routes(routes: Iterable[Any]) -> Iterator[tuple[str, APIRoute]]:
    """(path as served, route) of every endpoint; included routers are walked as FastAPI does."""
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):  # FastAPI >= 0.140 keeps included routers as branches
            yield from endpoint_routes(candidates())
            continue
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            yield str(getattr(route, "path_format", original.path_format)), original


def _media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _check_address(scope: Scope) -> None:
    path = str(scope.get("path", ""))
    check_text("path", path)
    for segment in path.split("/"):
        check_integer_text("path", segment)
    raw = bytes(scope.get("query_string", b""))
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise InvalidArgument.for_field("query", "is not UTF-8") from None
    for name, value in pairs:
        check_text(name, value)
        check_integer_text(name, value)


class _StreamTooLarge(StarletteHTTPException):
    """Raised from `receive`: FastAPI passes HTTPExceptions through while it reads a body (others become 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is over {limit} bytes")


def _find_route(routes: Iterable[Any], scope: Scope) -> APIRoute | None:
    """The endpoint's route for this request; included routers are searched as FastAPI does."""
    for route in flat_routes(routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            original = getattr(route, "original_route", route)
            return original if isinstance(original, APIRoute) else None
    return None


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, owner: FastAPI, max_body_bytes: int) -> None:
        self._app = app
        self._owner = owner
        self._max = max_body_bytes
        self._protected: dict[int, bool] = {}

    def _route(self, scope: Scope) -> APIRoute | None:
        return _find_route(self._owner.router.routes, scope)

    def _is_protected(self, route: APIRoute) -> bool:
        key = id(route)
        if key not in self._protected:
            self._protected[key] = needs_principal(route.dependant)
        return self._protected[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        try:
            await self._admit(scope)
        except DomainError as refused:
            await self._refuse(scope, receive, send, refused)
            return
        await self._app(scope, self._capped(receive), send)

    async def _admit(self, scope: Scope) -> None:
        _check_address(scope)
        route = self._route(scope)
        if route is not None and self._is_protected(route):
            authenticator = getattr(self._owner.state, AUTHENTICATOR_STATE)
            principal = await authenticator.authenticate_header(_header(scope, b"authorization"))
            scope.setdefault("state", {})[PRINCIPAL_SCOPE_KEY] = principal
        if scope.get("method") not in _BODY_METHODS:
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self._max:
            raise PayloadTooLarge(f"the body is {declared.strip()} bytes; at most {self._max} are accepted",
                                  limit=self._max)
        has_body = (declared is not None and declared.strip() not in ("", "0")) \
            or _header(scope, b"transfer-encoding") is not None
        # no Content-Type at all is taken as the endpoint's own; a declared wrong one is refused
        if route is not None and has_body and _media_type(scope):
            wanted: Iterable[str] = getattr(route.endpoint, _ACCEPTS, JSON_MEDIA_TYPES)
            media_type = _media_type(scope)
            if media_type not in wanted and not (media_type.endswith("+json") and wanted == JSON_MEDIA_TYPES):
                raise UnsupportedMediaType(
                    f"the body is {media_type}; this endpoint takes "
                    f"{', '.join(sorted(wanted))}", accepted=", ".join(sorted(wanted)))

    def _capped(self, receive: Receive) -> Receive:
        limit, seen = self._max, 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _StreamTooLarge(limit)
            return message

        return capped

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
        body = problem_for(error).as_dict() | {"instance": str(scope.get("path", ""))}
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} \
            if statuses_of(error).http == HTTPStatus.UNAUTHORIZED else None
        if isinstance(error, UnsupportedMediaType):
            headers = {"Accept": str(error.extra.get("accepted", ""))}
        await problem_response(int(statuses_of(error).http), body, headers)(scope, receive, send)

