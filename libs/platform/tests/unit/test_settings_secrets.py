"""Outside development a service refuses to start with a built-in (or short) secret."""

from __future__ import annotations

import pytest
from aftercare_platform.settings import ServiceSettings
from pydantic import ValidationError

STRONG = "s" * 40


class WithPageTokens(ServiceSettings):
    page_token_secret: str = "aftercare-development-page-tokens-change-me"


def test_development_runs_with_the_built_in_secrets() -> None:
    assert ServiceSettings().is_development


@pytest.mark.parametrize("secrets, named", [
    ({}, "AFTERCARE_JWT_SECRET"),
    ({"jwt_secret": "short"}, "AFTERCARE_JWT_SECRET"),
    ({"jwt_secret": STRONG}, "AFTERCARE_PAGE_TOKEN_SECRET"),
])
def test_production_refuses_a_built_in_or_short_secret(secrets: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        WithPageTokens(environment="production", **secrets)


def test_production_starts_with_every_secret_set() -> None:
    settings = WithPageTokens(environment="production", jwt_secret=STRONG, page_token_secret=STRONG)
    assert not settings.is_development
    # a JWKS endpoint verifies tokens: the shared secret is then not used
    WithPageTokens(environment="production", jwks_url="https://idp.example/jwks", page_token_secret=STRONG)


def test_the_environment_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERCARE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="AFTERCARE_JWT_SECRET"):
        ServiceSettings()
