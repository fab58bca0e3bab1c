"""Bearer tokens: minting development JWTs and verifying any JWT into a Principal."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

import jwt

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import Clock, SystemClock
from aftercare_platform.errors import Unauthenticated
from aftercare_platform.settings import ServiceSettings

DEVELOPMENT_ALGORITHM = "HS256"
# asymmetric only with an identity provider: accepting HS256 there would allow key-confusion forgeries
IDENTITY_PROVIDER_ALGORITHMS = ("RS256", "ES256")
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "role")
# tokens verified lately: a service's callers (another service, a console session) send one token many times;
# each is trusted again for a minute at most, so a key the identity provider withdraws stops counting soon after
VERIFIED_TOKENS_KEPT = 4096
VERIFIED_TOKEN_MAX_AGE_SECONDS = 60.0


def mint_token(
    settings: ServiceSettings,
    subject: str,
    role: Role | str,
    company: str | None = None,
    regions: Iterable[str] = (),
    ttl: float = 3600,
    *,
    name: str | None = None,
    companies: Iterable[str] = (),
    clock: Clock | None = None,
) -> str:
    """A development token signed with the shared secret (identity providers mint real ones)."""
    issued_at = (clock or SystemClock()).now()
    claims: dict[str, Any] = {
        "sub": subject,
        "role": Role(role).value,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + timedelta(seconds=ttl)).timestamp()),
        "regions": sorted(set(regions)),
    }
    if company:
        claims["company"] = company
    if name:
        claims["name"] = name
    if companies:
        claims["companies"] = sorted(set(companies))
    return jwt.encode(claims, settings.jwt_secret, algorithm=DEVELOPMENT_ALGORITHM)


class Authenticator:
    """Verifies bearer tokens: HS256 with the shared secret, or RS256/ES256 keys from a JWKS URL."""

    def __init__(self, settings: ServiceSettings, *, leeway_seconds: float = 30.0,
                 now: Callable[[], float] = time.time) -> None:
        self._secret = settings.jwt_secret
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = leeway_seconds
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        self._now = now
        # token -> (its principal, trusted from, trusted until): a token seen again then is not verified again
        # (its signature check was ~2% of a service's CPU under load)
        self._verified: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()

    @property
    def uses_identity_provider(self) -> bool:
        return self._jwks is not None

    async def authenticate(self, token: str) -> Principal:
        known = self._recently_verified(token)
        if known is not None:
            return known
        if self._jwks is not None:
            # fetching (rarely: keys are cached) the JWKS is blocking I/O, so keep it off the event loop
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)

    async def authenticate_header(self, authorization: str | None) -> Principal:
        return await self.authenticate(bearer_token(authorization))

    def verify(self, token: str) -> Principal:
        key, algorithms = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(algorithms),
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("token is not meant for this audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("token was issued by an unknown issuer") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature is invalid") from None
        except jwt.MissingRequiredClaimError as missing:
            raise Unauthenticated(f"token lacks the {missing.claim!r} claim") from None
        except jwt.InvalidAlgorithmError:
            raise Unauthenticated("token is signed with an algorithm this service does not accept") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token is not valid yet") from None
        except jwt.DecodeError:
            raise Unauthenticated("token is malformed") from None
        except jwt.InvalidTokenError as invalid:
            raise Unauthenticated(f"token is invalid: {invalid}") from None
        principal = principal_from_claims(claims)
        self._remember(token, principal, claims)
        return principal

    def _recently_verified(self, token: str) -> Principal | None:
        """The principal of a token verified lately, while still within its validity and the cache's minute."""
        entry = self._verified.get(token)
        if entry is None:
            return None
        principal, trusted_from, trusted_until = entry
        if not trusted_from <= self._now() <= trusted_until:
            del self._verified[token]  # verified again, so a token no longer valid is refused for its own reason
            return None
        self._verified.move_to_end(token)
        return principal

    def _remember(self, token: str, principal: Principal, claims: Mapping[str, Any]) -> None:
        not_before = claims.get("nbf")
        trusted_from = float(not_before) - self._leeway if not_before is not None else float("-inf")
        trusted_until = min(float(claims["exp"]) + self._leeway, self._now() + VERIFIED_TOKEN_MAX_AGE_SECONDS)
        self._verified[token] = (principal, trusted_from, trusted_until)
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)

    def _key_for(self, token: str) -> tuple[Any, tuple[str, ...]]:
        if self._jwks is None:
            return self._secret, (DEVELOPMENT_ALGORITHM,)
        try:
            return signing_key(self._jwks, token), IDENTITY_PROVIDER_ALGORITHMS
        except jwt.PyJWKClientConnectionError:
            raise Unauthenticated("the identity provider's keys cannot be fetched") from None
        except jwt.PyJWKClientError:
            raise Unauthenticated("token is signed with a key the identity provider does not publish") from None
        except jwt.DecodeError:
            raise Unauthenticated("token is malformed") from None


def signing_key(jwks: jwt.PyJWKClient, token: str) -> Any:
    """The key of the identity provider's JWKS that the token names by `kid`. A token naming none (RFC 7515
    makes `kid` optional; some providers omit it) is verified with the set's one signing key, never a guess
    among several."""
    if jwt.get_unverified_header(token).get("kid") is None:
        keys = jwks.get_signing_keys()
        if len(keys) != 1:
            raise jwt.PyJWKClientError("the token names no key and the identity provider publishes several")
        return keys[0].key
    return jwks.get_signing_key_from_jwt(token).key


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must be 'Bearer <token>'")
    return token.strip()


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError:
        raise Unauthenticated(f"token names an unknown role {claims['role']!r}") from None
    company = claims.get("company")
    if company is not None and not isinstance(company, str):
        raise Unauthenticated("token claim 'company' must be a string")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        company_id=company or None,
        regions=_string_set(claims, "regions"),
        name=str(claims.get("name") or claims["sub"]),
        companies=_string_set(claims, "companies"),
    )


def _string_set(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    value = claims.get(claim) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unauthenticated(f"token claim {claim!r} must be a list of strings")
    return frozenset(value)
