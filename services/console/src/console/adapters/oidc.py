"""OpenID Connect authorization code with PKCE (S256) and a nonce, through authlib: the production sign-in.
The ID token is verified here (the provider's JWKS, issuer, audience, nonce) before anything else is believed."""

from __future__ import annotations

import asyncio
import hmac
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from aftercare_platform.auth.tokens import signing_key
from aftercare_platform.errors import Unauthenticated, Unavailable
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning

from console.settings import ConsoleSettings

with warnings.catch_warnings():
    # authlib 1.8 warns at import that it runs on httpx, not httpx2: the console is on httpx throughout
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

# asymmetric only: an HS256 ID token would be signed with the client secret, which the console also holds
ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "PS256")
ID_TOKEN_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
LEEWAY_SECONDS = 30


class SignInRefused(Unauthenticated):
    """The identity provider's answer does not prove who signed in (401): the sign-in starts again."""


@dataclass(frozen=True)
class Started:
    url: str
    state: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True)
class SignedIn:
    """Who the verified ID token names, and the provider's tokens that may carry them to the services
    (the access token first; the ID token where the provider's client id is the platform's audience)."""

    subject: str
    claims: dict[str, Any]
    bearer_candidates: tuple[str, ...]


class OidcClient:
    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    @property
    def configured(self) -> bool:
        return bool(self._settings.oidc_issuer_url and self._settings.oidc_client_id)

    @property
    def redirect_uri(self) -> str:
        return self._settings.public_url.rstrip("/") + "/login/oidc/callback"

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(self._settings.oidc_client_id, self._settings.oidc_client_secret or None,
                                 scope="openid profile email", redirect_uri=self.redirect_uri,
                                 code_challenge_method="S256", timeout=self._settings.call_timeout_seconds)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            issuer = self._settings.oidc_issuer_url.rstrip("/")
            try:
                async with httpx.AsyncClient(timeout=self._settings.call_timeout_seconds) as http:
                    answer = await http.get(issuer + "/.well-known/openid-configuration")
                    answer.raise_for_status()
                    found = dict(answer.json())
            except (httpx.HTTPError, ValueError):
                raise Unavailable("the identity provider cannot be reached") from None
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched from
            if str(found.get("issuer", "")).rstrip("/") != issuer:
                raise SignInRefused("the identity provider's discovery document names another issuer")
            self._metadata = found
        return self._metadata

    async def start(self) -> Started:
        """Where to send the browser; state, PKCE verifier and nonce stay with it in a signed cookie."""
        endpoint = (await self.metadata())["authorization_endpoint"]
        verifier, nonce = generate_token(64), generate_token(32)
        async with self._client() as client:
            url, state = client.create_authorization_url(endpoint, code_verifier=verifier, nonce=nonce)
        return Started(url=url, state=state, code_verifier=verifier, nonce=nonce)

    async def finish(self, code: str, code_verifier: str, nonce: str) -> SignedIn:
        """Exchanges the code (with the PKCE verifier) and verifies the ID token it brings."""
        metadata = await self.metadata()
        try:
            async with self._client() as client:
                token = await client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=code_verifier)
        except AuthlibBaseError as refused:
            # a used, expired or foreign code; a verifier that does not match its challenge
            raise SignInRefused(f"the identity provider refused the code ({refused.error})") from None
        except httpx.HTTPError:
            raise Unavailable("the identity provider cannot be reached") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise SignInRefused("the identity provider answered without an ID token")
        claims = await asyncio.to_thread(self._verified, id_token, metadata)
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise SignInRefused("the ID token was issued for another sign-in (its nonce differs)")
        access_token = token.get("access_token")
        candidates = (access_token,) if isinstance(access_token, str) and access_token else ()
        return SignedIn(subject=str(claims["sub"]), claims=claims, bearer_candidates=(*candidates, id_token))

    def _verified(self, id_token: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """Signature by a key of the provider's JWKS, issuer, audience (and authorized party), expiry."""
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(str(metadata["jwks_uri"]), cache_keys=True)
        client_id = self._settings.oidc_client_id
        try:
            key = signing_key(self._jwks, id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token, key, algorithms=list(ID_TOKEN_ALGORITHMS), audience=client_id,
                issuer=str(metadata["issuer"]), leeway=LEEWAY_SECONDS, options={"require": list(ID_TOKEN_CLAIMS)})
        except jwt.PyJWKClientConnectionError:
            raise Unavailable("the identity provider's keys cannot be fetched") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as invalid:
            raise SignInRefused(f"the ID token does not verify: {invalid}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SignInRefused("the ID token was issued to another client (azp)")
        return claims
