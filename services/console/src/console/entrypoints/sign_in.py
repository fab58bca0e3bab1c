"""Signing in and out. Development: a page of demo users, each a button that mints a token (said so on
the page). Production: OpenID Connect authorization code with PKCE. The token lives in a Secure,
HTTP-only, SameSite cookie; every form carries a CSRF token bound to it."""

from __future__ import annotations

import hmac
import secrets

from aftercare_platform.auth.principal import Principal
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.errors import DomainError, NotFound, Unauthenticated
from aftercare_platform.servers.http_guard import accepts
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from console.adapters.oidc import OidcClient, SignedIn, SignInRefused
from console.domain.demo_users import DEMO_REGION, DEMO_USERS, demo_user
from console.domain.forms import csrf_ok, csrf_token, local_path, signed, unsigned
from console.entrypoints.web import FORM_TYPES, SESSION_COOKIE, CsrfRefused, Web

LOGIN_NONCE_COOKIE = "aftercare_login"
OIDC_COOKIE = "aftercare_oidc"


def home_of(customer: bool) -> str:
    return "/portal" if customer else "/queue"


def router(web: Web, oidc: OidcClient) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    settings = web.settings
    dev_login = settings.dev_login and settings.is_development

    def start_session(response: Response, token: str) -> Response:
        response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_ttl_seconds, httponly=True,
                            secure=settings.cookie_secure, samesite="lax", path="/")
        response.delete_cookie(LOGIN_NONCE_COOKIE, path="/")
        return response

    @pages.get("/")
    async def root(request: Request) -> Response:
        viewer = await web.viewer(request)
        return RedirectResponse("/login" if viewer is None else home_of(viewer.is_customer), status_code=303)

    @pages.get("/login")
    async def login_page(request: Request) -> Response:
        nonce = request.cookies.get(LOGIN_NONCE_COOKIE) or secrets.token_hex(16)
        response = web.render(request, "login.html", None, users=DEMO_USERS if dev_login else (),
                              sso=oidc.configured, next=local_path(request.query_params.get("next"), ""),
                              login_csrf=csrf_token(settings.session_secret, "login:" + nonce))
        response.set_cookie(LOGIN_NONCE_COOKIE, nonce, max_age=3600, httponly=True, secure=settings.cookie_secure,
                            samesite="lax", path="/")
        return response

    @pages.post("/login/dev")
    @accepts(*FORM_TYPES)
    async def dev_sign_in(request: Request) -> Response:
        form = await request.form()
        nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
        if not dev_login:
            return web.error_page(request, None, NotFound("the development login is off"))
        if not nonce or not csrf_ok(settings.session_secret, "login:" + nonce, str(form.get("csrf", ""))):
            return web.error_page(request, None, CsrfRefused("the sign-in form has expired"))
        user = demo_user(str(form.get("subject", "")))
        if user is None:
            return web.error_page(request, None, NotFound("no such demo user"))
        token = mint_token(settings, user.subject, user.role, company=user.company_id,
                           regions=[] if user.company_id else [DEMO_REGION], ttl=settings.session_ttl_seconds,
                           name=user.name, clock=web.clock)
        target = local_path(str(form.get("next", "")), home_of(user.role == "customer"))
        return start_session(RedirectResponse(target, status_code=303), token)

    @pages.get("/login/oidc")
    async def oidc_start(request: Request) -> Response:
        if not oidc.configured:
            return web.error_page(request, None, NotFound("single sign-on is not configured"))
        try:
            started = await oidc.start()
        except DomainError as refused:
            return web.error_page(request, None, refused)
        target = local_path(request.query_params.get("next"), "/")
        response = RedirectResponse(started.url, status_code=303)
        kept = f"{started.state} {started.code_verifier} {started.nonce} {target}"
        response.set_cookie(OIDC_COOKIE, signed(settings.session_secret, kept), max_age=600, httponly=True,
                            secure=settings.cookie_secure, samesite="lax", path="/")
        return response

    @pages.get("/login/oidc/callback")
    async def oidc_callback(request: Request) -> Response:
        query = request.query_params
        kept = unsigned(settings.session_secret, request.cookies.get(OIDC_COOKIE))
        state, verifier, nonce, target = (kept or "   ").split(" ", 3)
        if not kept or not state or not hmac.compare_digest(query.get("state", "").encode(), state.encode()):
            # a forged or stale callback (login CSRF): nothing it carries is used
            return web.error_page(request, None, SignInRefused("the sign-in did not start in this browser, "
                                                               "or has expired"))
        try:
            if query.get("error"):
                raise SignInRefused(f"the identity provider refused the sign-in ({query['error'][:64]})")
            if not query.get("code"):
                raise SignInRefused("the identity provider sent no code")
            signed_in = await oidc.finish(query["code"], verifier, nonce)
            token, principal = await service_token(signed_in)
        except DomainError as refused:
            # one try per start: the kept state, verifier and nonce are spent either way
            refusal = web.error_page(request, None, refused)
            refusal.delete_cookie(OIDC_COOKIE, path="/")
            return refusal
        response = start_session(RedirectResponse(local_path(target, home_of(not principal.is_staff)),
                                                  status_code=303), token)
        response.delete_cookie(OIDC_COOKIE, path="/")
        return response

    async def service_token(signed_in: SignedIn) -> tuple[str, Principal]:
        """The first of the provider's tokens the platform's services accept (the kit's Authenticator, as
        configured by AFTERCARE_JWKS_URL / _JWT_ISSUER / _JWT_AUDIENCE) for the user the ID token names."""
        for candidate in signed_in.bearer_candidates:
            try:
                principal = await web.authenticator.authenticate(candidate)
            except Unauthenticated:
                continue
            if principal.subject == signed_in.subject:
                return candidate, principal
        raise SignInRefused("the identity provider signed you in, but issues no token the platform's services "
                            "accept (a role claim, the platform's issuer and audience)")

    @pages.post("/logout")
    @accepts(*FORM_TYPES)
    async def sign_out(request: Request) -> Response:
        viewer = await web.viewer(request)
        if viewer is not None:
            await web.checked_form(request, viewer)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return pages
