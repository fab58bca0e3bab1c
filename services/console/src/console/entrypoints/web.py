"""What every page shares: the signed-in viewer (a token in an HTTP-only cookie), the language, CSRF,
rendering, and the error pages. Pages call the services with the viewer's own token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.clock import Clock
from aftercare_platform.errors import DomainError, InvalidArgument, PermissionDenied, Unauthenticated
from aftercare_platform.servers.error_statuses import statuses_of
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

from console.adapters.services import Services
from console.domain.forms import csrf_ok, csrf_token, new_request_id, valid_request_id
from console.domain.i18n import TEXT, language
from console.domain.queue import time_left_seconds
from console.handlers import ConsoleHandlers
from console.reads import ConsoleReads
from console.settings import ConsoleSettings

SESSION_COOKIE = "aftercare_session"
LANG_COOKIE = "aftercare_lang"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# every page: no caching of personal data, no framing, no inline script from elsewhere
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
}


def _template(name: str) -> str:
    return files("console").joinpath(f"templates/{name}").read_text(encoding="utf-8")


_env = Environment(loader=FunctionLoader(_template), autoescape=select_autoescape(default=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    token: str
    lang: str

    @property
    def is_customer(self) -> bool:
        return not self.principal.is_staff

    @property
    def is_supervisor(self) -> bool:
        return self.principal.role in (Role.SUPERVISOR, Role.ADMIN)


class Web:
    """The pages' shared parts, built once in bootstrap."""

    def __init__(self, settings: ConsoleSettings, authenticator: Authenticator, services: Services,
                 handlers: ConsoleHandlers, reads: ConsoleReads, clock: Clock) -> None:
        self.settings, self.authenticator, self.services = settings, authenticator, services
        self.handlers, self.reads, self.clock = handlers, reads, clock

    def lang(self, request: Request) -> str:
        accept = request.headers.get("accept-language", "").split(",")[0]
        return language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), accept)

    async def viewer(self, request: Request) -> Viewer | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            principal = await self.authenticator.authenticate(token)
        except Unauthenticated:
            return None
        return Viewer(principal, token, self.lang(request))

    def csrf(self, viewer_token: str) -> str:
        return csrf_token(self.settings.session_secret, viewer_token)

    def render(self, request: Request, name: str, viewer: Viewer | None, status: int = 200,
               **context: Any) -> HTMLResponse:
        lang = viewer.lang if viewer else self.lang(request)
        body = _env.get_template(name).render(
            t=TEXT[lang], lang=lang, viewer=viewer, path=request.url.path,
            csrf=self.csrf(viewer.token) if viewer else "", new_request_id=new_request_id,
            left=lambda deadline: time_left_seconds(deadline, self.clock.now()), iso=_iso, **context)
        response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
        if request.query_params.get("lang") == lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                                secure=self.settings.cookie_secure)
        return response

    def fragment(self, name: str, viewer: Viewer, **context: Any) -> HTMLResponse:
        body = _env.get_template(name).render(
            t=TEXT[viewer.lang], lang=viewer.lang, viewer=viewer, csrf=self.csrf(viewer.token),
            new_request_id=new_request_id, left=lambda deadline: time_left_seconds(deadline, self.clock.now()),
            iso=_iso, **context)
        return HTMLResponse(body, headers=SECURITY_HEADERS)

    def error_page(self, request: Request, viewer: Viewer | None, error: DomainError) -> HTMLResponse:
        status = int(statuses_of(error).http)
        key = "csrf_failed" if isinstance(error, CsrfRefused) else \
            {401: "sign_in_failed", 404: "not_found", 403: "forbidden", 503: "unavailable"}.get(status)
        return self.render(request, "error.html", viewer, status=status, message_key=key, detail=error.detail,
                           violations=error.violations)

    async def checked_form(self, request: Request, viewer: Viewer) -> dict[str, str]:
        """The posted form, once its CSRF token proved it came from a page of this session."""
        form = await request.form()
        values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        if not csrf_ok(self.settings.session_secret, viewer.token, values.get("csrf")):
            raise CsrfRefused("the form's CSRF token is missing or belongs to another session")
        return values

    async def once(self, viewer: Viewer, values: dict[str, str], action: str, case_ref: str,
                   act: Callable[[str], Awaitable[str]]) -> bool:
        """Run `act(request_id)` for the first submit of a rendered form only; False for a repeat."""
        request_id = values.get("request_id")
        if not valid_request_id(request_id):
            raise InvalidArgument.for_field("request_id", "every form carries the id it was rendered with")
        assert request_id is not None
        if not await self.handlers.claim(request_id, viewer.principal.subject, action, case_ref):
            return False
        try:
            result = await act(request_id)
        except BaseException:
            await self.handlers.release(request_id, viewer.principal.subject)
            raise
        await self.handlers.settle(request_id, viewer.principal.subject, result)
        return True


class CsrfRefused(PermissionDenied):
    """A form that did not come from a page of this session (403)."""


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def see_other(url: str) -> Response:
    """After a POST: the browser loads the page again (a reload never re-submits)."""
    return RedirectResponse(url, status_code=303, headers={"cache-control": "no-store"})


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
