"""Bearer tokens: minted development tokens verify; expired, forged and foreign ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from aftercare_platform.auth import Authenticator, Principal, Role, mint_token
from aftercare_platform.auth.tokens import bearer_token, principal_from_claims
from aftercare_platform.clock import FakeClock
from aftercare_platform.errors import Unauthenticated
from aftercare_platform.settings import ServiceSettings
from cryptography.hazmat.primitives.asymmetric import rsa

SETTINGS = ServiceSettings(jwt_secret="unit-test-secret-of-enough-length-0123456789")


async def test_a_minted_token_verifies_into_its_principal() -> None:
    token = mint_token(SETTINGS, "alice", Role.CUSTOMER, company="ACME", regions=["east"], name="Alice")

    principal = await Authenticator(SETTINGS).authenticate(token)

    assert principal == Principal(
        subject="alice", role=Role.CUSTOMER, company_id="ACME", regions=frozenset({"east"}), name="Alice"
    )


async def test_a_partner_token_carries_its_companies() -> None:
    token = mint_token(SETTINGS, "partner-1", "partner", regions=["east"], companies=["ACME", "GLOBEX"])

    principal = await Authenticator(SETTINGS).authenticate_header(f"Bearer {token}")

    assert principal.role is Role.PARTNER
    assert principal.companies == frozenset({"ACME", "GLOBEX"})
    assert principal.name == "partner-1"


async def test_an_expired_token_is_refused_as_expired() -> None:
    an_hour_ago = FakeClock(datetime.now(UTC) - timedelta(hours=2))
    token = mint_token(SETTINGS, "alice", Role.AGENT, ttl=60, clock=an_hour_ago)

    with pytest.raises(Unauthenticated, match="expired"):
        await Authenticator(SETTINGS).authenticate(token)


async def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = mint_token(SETTINGS.model_copy(update={"jwt_secret": "x" * 40}), "mallory", Role.ADMIN)

    with pytest.raises(Unauthenticated, match="signature is invalid"):
        await Authenticator(SETTINGS).authenticate(forged)


async def test_a_token_for_another_audience_is_refused() -> None:
    other = mint_token(SETTINGS.model_copy(update={"jwt_audience": "billing"}), "alice", Role.AGENT)

    with pytest.raises(Unauthenticated, match="audience"):
        await Authenticator(SETTINGS).authenticate(other)


async def test_a_token_from_another_issuer_is_refused() -> None:
    other = mint_token(SETTINGS.model_copy(update={"jwt_issuer": "elsewhere"}), "alice", Role.AGENT)

    with pytest.raises(Unauthenticated, match="issuer"):
        await Authenticator(SETTINGS).authenticate(other)


async def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "mallory", "role": "admin"}, key=None, algorithm="none")

    with pytest.raises(Unauthenticated, match="algorithm"):
        await Authenticator(SETTINGS).authenticate(unsigned)


async def test_garbage_is_refused_as_malformed() -> None:
    with pytest.raises(Unauthenticated, match="malformed"):
        await Authenticator(SETTINGS).authenticate("not-a-jwt")


async def test_an_unknown_role_is_refused() -> None:
    now = datetime.now(UTC)
    claims = {"sub": "x", "role": "emperor", "iss": "aftercare", "aud": "aftercare",
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    token = jwt.encode(claims, SETTINGS.jwt_secret, algorithm="HS256")

    with pytest.raises(Unauthenticated, match="unknown role"):
        await Authenticator(SETTINGS).authenticate(token)


async def test_a_token_without_a_role_is_refused() -> None:
    now = datetime.now(UTC)
    claims = {"sub": "x", "iss": "aftercare", "aud": "aftercare",
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    token = jwt.encode(claims, SETTINGS.jwt_secret, algorithm="HS256")

    with pytest.raises(Unauthenticated, match="'role'"):
        await Authenticator(SETTINGS).authenticate(token)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token-without-scheme"])
def test_a_missing_or_malformed_authorization_header_is_refused(header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(header)


def test_regions_must_be_a_list_of_strings() -> None:
    with pytest.raises(Unauthenticated, match="regions"):
        principal_from_claims({"sub": "x", "role": "agent", "regions": "east"})


async def test_with_an_identity_provider_only_its_published_keys_are_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.PyJWK.from_dict({**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
                               "kid": "k1", "alg": "RS256"})
    monkeypatch.setattr(jwt.PyJWKClient, "get_signing_keys", lambda self, refresh=False: [jwk])
    settings = SETTINGS.model_copy(update={"jwks_url": "https://idp.example/.well-known/jwks.json"})
    now = datetime.now(UTC)
    claims = {"sub": "bob", "role": "engineer", "regions": ["west"], "iss": "aftercare", "aud": "aftercare",
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    authenticator = Authenticator(settings)

    signed = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    assert (await authenticator.authenticate(signed)).regions == frozenset({"west"})

    # the development secret is no key at all once an identity provider is configured
    with pytest.raises(Unauthenticated):
        await authenticator.authenticate(mint_token(settings, "mallory", Role.ADMIN))


async def test_a_token_naming_no_key_is_verified_with_the_provider_s_one_key_and_never_a_guess_among_several(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RFC 7515 makes `kid` optional (oidc-provider-mock, some providers omit it)."""
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]
    jwks = [jwt.PyJWK.from_dict({**jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key(), as_dict=True),
                                 "kid": f"k{n}", "alg": "RS256"}) for n, k in enumerate(keys)]
    published = jwks[:1]
    monkeypatch.setattr(jwt.PyJWKClient, "get_signing_keys", lambda self, refresh=False: published)
    settings = SETTINGS.model_copy(update={"jwks_url": "https://idp.example/.well-known/jwks.json"})
    now = datetime.now(UTC)
    claims = {"sub": "bob", "role": "engineer", "iss": "aftercare", "aud": "aftercare",
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    authenticator = Authenticator(settings)
    assert (await authenticator.authenticate(jwt.encode(claims, keys[0], algorithm="RS256"))).subject == "bob"
    with pytest.raises(Unauthenticated, match="signature"):  # another key than the one published
        await authenticator.authenticate(jwt.encode(claims, keys[1], algorithm="RS256"))
    published = jwks
    with pytest.raises(Unauthenticated, match="does not publish"):
        await authenticator.authenticate(jwt.encode(claims, keys[0], algorithm="RS256"))
