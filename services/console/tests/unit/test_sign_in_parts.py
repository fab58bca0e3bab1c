"""The production sign-in's first step (authorization code with PKCE S256), and the console's line in
`aftercare run`'s banner."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from aftercare_platform.cli import run
from console.adapters.oidc import OidcClient
from console.bootstrap import definition
from console.settings import ConsoleSettings


async def test_the_oidc_start_asks_for_a_code_with_an_s256_challenge_of_the_kept_verifier() -> None:
    client = OidcClient(ConsoleSettings(oidc_issuer_url="https://id.example.cn", oidc_client_id="console",
                                        public_url="https://desk.example.cn"))
    client._metadata = {"authorization_endpoint": "https://id.example.cn/authorize",
                        "token_endpoint": "https://id.example.cn/token"}
    started = await client.start()
    query = parse_qs(urlsplit(started.url).query)
    assert started.url.startswith("https://id.example.cn/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == ["console"]
    assert query["redirect_uri"] == ["https://desk.example.cn/login/oidc/callback"]
    assert query["state"] == [started.state] and "openid" in query["scope"][0].split()
    assert query["nonce"] == [started.nonce] and len(started.nonce) >= 32
    digest = hashlib.sha256(started.code_verifier.encode()).digest()
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]
    assert not OidcClient(ConsoleSettings()).configured


def test_make_run_prints_where_the_console_opens(capsys: pytest.CaptureFixture[str]) -> None:
    run._front_doors([definition])
    printed = capsys.readouterr().err.replace("\n", " ")
    assert "http://localhost:8008/login" in printed and "console.demo" in printed


def test_production_refuses_the_built_in_session_secret() -> None:
    with pytest.raises(ValueError, match="AFTERCARE_SESSION_SECRET"):
        ConsoleSettings(environment="production", jwt_secret="j" * 40, page_token_secret="p" * 40,
                        oidc_client_secret="o" * 40)
