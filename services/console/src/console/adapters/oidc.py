"""OpenID Connect authorization code with PKCE (S256), through authlib: the production sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from console.settings import ConsoleSettings


@dataclass(frozen=True)
class Started:
    url: str
    state: str
    code_verifier: str


class OidcClient:
    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings
        self._metadata: dict[str, Any] | None = None

    @property
    def configured(self) -> bool:
        return bool(self._settings.oidc_issuer_url and self._settings.oidc_client_id)

    @property
    def redirect_uri(self) -> str:
        return self._settings.public_url.rstrip("/") + "/login/oidc/callback"

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(self._settings.oidc_client_id, self._settings.oidc_client_secret or None,
                                 scope="openid profile email", redirect_uri=self.redirect_uri,
                                 code_challenge_method="S256")

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self._settings.oidc_issuer_url.rstrip("/") + "/.well-known/openid-configuration"
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.get(url)
                answer.raise_for_status()
                self._metadata = dict(answer.json())
        return self._metadata

    async def start(self) -> Started:
        """Where to send the browser; the state and the PKCE verifier stay with it in a signed cookie."""
        endpoint = (await self.metadata())["authorization_endpoint"]
        verifier = generate_token(64)
        async with self._client() as client:
            url, state = client.create_authorization_url(endpoint, code_verifier=verifier)
        return Started(url=url, state=state, code_verifier=verifier)

    async def finish(self, code: str, code_verifier: str) -> str:
        """The access token the identity provider issues for the code (the services verify it by JWKS)."""
        endpoint = (await self.metadata())["token_endpoint"]
        async with self._client() as client:
            token = await client.fetch_token(endpoint, code=code, code_verifier=code_verifier)
        return str(token.get("access_token") or token["id_token"])
