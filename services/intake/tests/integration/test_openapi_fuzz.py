"""A bounded schemathesis run over intake's and cases' OpenAPI with a valid agent token: no 5xx, and no
answer the document does not describe (schema, media type, status code, 405 with its Allow)."""

from __future__ import annotations

import pytest
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.openapi_fuzz import CHECKS, run_schemathesis

from .conftest import LOOP, Stack

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


@pytest.mark.parametrize("service", ["intake", "cases"])
async def test_schemathesis_finds_no_server_error(stack: Stack, service: str) -> None:
    port = stack.intake.settings.http_port if service == "intake" else stack.cases.http_port
    token = mint_token(stack.intake.settings, "agent-schemathesis", "agent")
    run = await run_schemathesis(f"http://127.0.0.1:{port}", token, max_examples=10, checks=CHECKS)
    assert run.exit_code == 0, run.output[-6000:]
