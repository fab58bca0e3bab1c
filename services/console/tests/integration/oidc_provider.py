"""A real OpenID Connect provider over HTTP for the sign-in tests: `oidc-provider-mock` (authlib's
authorization server in Flask: discovery, authorize form, token endpoint, RS256 ID tokens, JWKS) on a free
port, in a thread. The mock ignores PKCE, so a thin WSGI layer in front of it enforces RFC 7636 S256:
a code is bound to the challenge of its authorization request and redeemed only with the matching
verifier (invalid_grant otherwise), as a production provider does."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import werkzeug.serving
from aftercare_platform.testing.ports import free_port
from oidc_provider_mock import User, app

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Pkce:
    """Enforces S256 PKCE in front of the mock, and keeps what it saw (the tests read it)."""

    inner: Wsgi
    challenges: dict[str, str] = field(default_factory=dict)  # code -> the challenge it was issued for
    authorize_queries: list[dict[str, list[str]]] = field(default_factory=list)
    verifiers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, query = environ.get("PATH_INFO", ""), parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/oauth2/token":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = BytesIO(body)
            form = parse_qs(body.decode())
            code, verifier = form.get("code", [""])[0], form.get("code_verifier", [""])[0]
            with self.lock:
                self.verifiers.append(verifier)
                challenge = self.challenges.get(code)
            if challenge is not None and s256(verifier) != challenge:
                answer = json.dumps({"error": "invalid_grant", "error_description": "PKCE verifier mismatch"})
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [answer.encode()]
            return self.inner(environ, start_response)
        if path != "/oauth2/authorize" or environ.get("REQUEST_METHOD") != "POST":
            return self.inner(environ, start_response)
        with self.lock:
            self.authorize_queries.append(query)

        def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            location = next((v for k, v in headers if k.lower() == "location"), "")
            code = parse_qs(urlsplit(location).query).get("code", [""])[0]
            if code and query.get("code_challenge_method") == ["S256"]:
                with self.lock:
                    self.challenges[code] = query["code_challenge"][0]
            return start_response(status, headers, *rest)

        return self.inner(environ, remember)


@dataclass
class Provider:
    issuer: str
    pkce: Pkce

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    async def id_token(self, subject: str, client_id: str, redirect_uri: str) -> str:
        """An ID token for `subject` by the same flow, without the console (a test's own admin calls)."""
        verifier = "v" * 64
        async with httpx.AsyncClient(base_url=self.issuer, timeout=10) as http:
            authorized = await http.post("/oauth2/authorize", data={"sub": subject}, params={
                "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                "scope": "openid profile", "state": "s", "nonce": "n",
                "code_challenge": s256(verifier), "code_challenge_method": "S256"})
            code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
            token = await http.post("/oauth2/token", data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": client_id, "client_secret": "x", "code_verifier": verifier})
            token.raise_for_status()
            return str(token.json()["id_token"])


@contextmanager
def oidc_provider(users: Iterable[User]) -> Iterator[Provider]:
    """The provider on 127.0.0.1 (its issuer is the host it is reached by), nonce required, until exit."""
    port = free_port()
    pkce = Pkce(app(require_nonce=True, user_claims=tuple(users)))
    server = werkzeug.serving.make_server("127.0.0.1", port, pkce, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{port}", pkce)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()

