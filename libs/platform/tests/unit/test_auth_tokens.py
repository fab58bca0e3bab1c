"""Bearer tokens: minted development tokens verify; expired, forged and foreign ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from aftercare_platform.auth import Authenticator, Principal, Role, mint_token
from aftercare_platform.auth.tokens import VERIFIED_TOKEN_MAX_AGE_SECONDS, bearer_token, principal_from_claims
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
    clock = [now.timestamp()]
    authenticator = Authenticator(settings, now=lambda: clock[0])
    assert (await authenticator.authenticate(jwt.encode(claims, keys[0], algorithm="RS256"))).subject == "bob"
    with pytest.raises(Unauthenticated, match="signature"):  # another key than the one published
        await authenticator.authenticate(jwt.encode(claims, keys[1], algorithm="RS256"))
    published = jwks
    with pytest.raises(Unauthenticated, match="does not publish"):  # a token not seen before
        await authenticator.authenticate(jwt.encode({**claims, "sub": "carol"}, keys[0], algorithm="RS256"))
    clock[0] += VERIFIED_TOKEN_MAX_AGE_SECONDS + 1  # bob's, verified before, is trusted again for a minute at most
    with pytest.raises(Unauthenticated, match="does not publish"):
        await authenticator.authenticate(jwt.encode(claims, keys[0], algorithm="RS256"))


async def test_a_token_seen_again_is_not_verified_again_while_it_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(token: str, *args: object, **kwargs: object) -> object:
        decoded.append(token)
        return real_decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    clock = [datetime.now(UTC).timestamp()]
    authenticator = Authenticator(SETTINGS, now=lambda: clock[0])
    token = mint_token(SETTINGS, "intake", Role.SYSTEM, ttl=600)
    first = await authenticator.authenticate(token)
    assert await authenticator.authenticate(token) == first
    assert len(decoded) == 1
    clock[0] += VERIFIED_TOKEN_MAX_AGE_SECONDS + 1  # past the cache's minute: it does not answer for it any more
    await authenticator.authenticate(token)  # verified again (jwt's own clock still finds it valid)
    assert len(decoded) == 2


async def test_a_refused_token_is_refused_every_time() -> None:
    authenticator = Authenticator(SETTINGS)
    forged = mint_token(ServiceSettings(jwt_secret="another-secret-of-enough-length-0123456789"), "mallory",
                        Role.ADMIN)
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="signature"):
            await authenticator.authenticate(forged)


async def test_a_remembered_token_is_not_trusted_past_its_expiry() -> None:
    issued = datetime.now(UTC)
    clock = [issued.timestamp()]
    authenticator = Authenticator(SETTINGS, leeway_seconds=0, now=lambda: clock[0])
    token = mint_token(SETTINGS, "agent-1", Role.AGENT, ttl=20, clock=FakeClock(issued))
    await authenticator.authenticate(token)
    assert authenticator._recently_verified(token) is not None
    clock[0] += 21  # expired by the token's own exp, within the cache's minute
    assert authenticator._recently_verified(token) is None
