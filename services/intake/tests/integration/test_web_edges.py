"""The public edges: the web form's limit holds across replicas and believes X-Forwarded-For only
from configured proxies; the SMS webhook verifies its token by default."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from .conftest import LOOP, Intake, Stack, run_intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
_clients = itertools.count(1)


async def junk(intake: Intake, forwarded_for: str) -> int:
    """A post that counts against the client's budget and costs nothing else (400, or 429)."""
    reply = await intake.http.post("/v1/intake/web-form", json={}, headers={"x-forwarded-for": forwarded_for})
    return reply.status_code


async def test_the_limit_holds_across_replicas_behind_a_trusted_proxy(stack: Stack, tmp_path: Path) -> None:
    first = stack.intake
    async with run_intake(first.settings.database_url, first.settings.amqp_url, stack.cases, tmp_path / "a",
                          http_trusted_proxies="127.0.0.1") as one, \
            run_intake(first.settings.database_url, first.settings.amqp_url, stack.cases, tmp_path / "b",
                       http_trusted_proxies="127.0.0.1") as two:
        client = f"203.0.113.{next(_clients)}"
        statuses = [await junk(replica, client) for _, replica in zip(range(30), itertools.cycle((one, two)))]
        assert statuses[:15] == [400] * 15  # the budget is 20 at once ...
        assert 429 in statuses[20:]  # ... for both replicas together, not 20 each
        others = [await junk(one, f"198.51.100.{n}") for n in range(1, 31)]
        assert 429 not in others  # every forwarded client has a budget of its own


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(stack: Stack, tmp_path: Path) -> None:
    first = stack.intake
    async with run_intake(first.settings.database_url, first.settings.amqp_url, stack.cases, tmp_path,
                          http_trusted_proxies="10.9.9.9") as replica:
        statuses = [await junk(replica, f"192.0.2.{n}") for n in range(1, 46)]
    assert 429 in statuses  # a fresh address per post did not buy a fresh budget


async def test_the_sms_webhook_verifies_its_token_by_default(intake: Intake) -> None:
    body = {"from": "13800000000", "text": "hello", "id": "edge-sms-1"}
    missing = await intake.http.post("/v1/intake/sms", json=body, headers={"x-webhook-token": ""})
    wrong = await intake.http.post("/v1/intake/sms", json=body, headers={"x-webhook-token": "guess"})
    assert missing.status_code == 401 and wrong.status_code == 401
    right = await intake.http.post("/v1/intake/sms", json=body)  # the gateway's configured token
    assert right.status_code == 200, right.text
