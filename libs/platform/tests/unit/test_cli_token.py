"""`aftercare token mint` prints a token the services accept; `verify` explains a refusal."""

from __future__ import annotations

import pytest
from aftercare_platform.auth import Authenticator, Principal, Role
from aftercare_platform.cli.main import app
from aftercare_platform.settings import ServiceSettings
from typer.testing import CliRunner

SECRET = "cli-test-secret-0123456789-0123456789"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERCARE_JWT_SECRET", SECRET)


async def test_mint_prints_only_a_token_the_services_accept() -> None:
    result = CliRunner().invoke(app, ["token", "mint", "--role", "customer", "--company", "ACME",
                                      "--region", "east", "--subject", "alice", "--ttl", "3600"])

    assert result.exit_code == 0, result.output
    principal = await Authenticator(ServiceSettings(jwt_secret=SECRET)).authenticate(result.stdout.strip())
    assert principal == Principal(subject="alice", role=Role.CUSTOMER, company_id="ACME",
                                  regions=frozenset({"east"}), name="alice")


async def test_mint_a_partner_key_for_several_companies_and_regions() -> None:
    result = CliRunner().invoke(app, ["token", "mint", "--role", "partner", "--subject", "fixit-ltd",
                                      "--companies", "ACME", "--companies", "GLOBEX",
                                      "--region", "east", "--region", "west"])

    principal = await Authenticator(ServiceSettings(jwt_secret=SECRET)).authenticate(result.stdout.strip())
    assert principal.companies == frozenset({"ACME", "GLOBEX"})
    assert principal.regions == frozenset({"east", "west"})


def test_verify_shows_the_principal() -> None:
    runner = CliRunner()
    minted = runner.invoke(app, ["token", "mint", "--role", "agent", "--subject", "bob"]).stdout.strip()

    result = runner.invoke(app, ["token", "verify", minted])

    assert result.exit_code == 0 and '"role": "agent"' in result.stdout


def test_verify_explains_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    minted = runner.invoke(app, ["token", "mint", "--role", "agent", "--subject", "bob"]).stdout.strip()
    monkeypatch.setenv("AFTERCARE_JWT_SECRET", "another-secret-0123456789-0123456789")

    result = runner.invoke(app, ["token", "verify", minted])

    assert result.exit_code == 1 and "signature is invalid" in result.stderr


def test_an_unknown_role_is_rejected_by_the_command_line() -> None:
    result = CliRunner().invoke(app, ["token", "mint", "--role", "emperor", "--subject", "x"])

    assert result.exit_code != 0
