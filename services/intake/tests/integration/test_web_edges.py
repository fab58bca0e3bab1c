"""The public edges: the web form's limit holds across replicas and believes X-Forwarded-For only
from configured proxies, and X-Aftercare-End-Client only from configured front ends (the console); the SMS
webhook verifies its token by default."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
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


def client_from(address: str, intake: Intake) -> httpx.AsyncClient:
    """An HTTP client whose connections come from `address` (any of 127.0.0.0/8 reaches the loopback)."""
    return httpx.AsyncClient(base_url=str(intake.http.base_url), timeout=30,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


async def test_a_trusted_front_end_s_users_are_limited_one_by_one_and_a_forger_still_as_itself(
        stack: Stack, tmp_path: Path) -> None:
    first = stack.intake
    run = next(_clients)
    async with run_intake(first.settings.database_url, first.settings.amqp_url, stack.cases, tmp_path,
                          web_form_trusted_clients="127.0.0.2", web_form_burst=3, web_form_per_minute=0.5) as intake, \
            client_from("127.0.0.2", intake) as console, client_from("127.0.0.3", intake) as forger:

        async def post(http: httpx.AsyncClient, end_client: str | None) -> int:
            headers = {"x-aftercare-end-client": end_client} if end_client else {}
            return (await http.post("/v1/intake/web-form", json={}, headers=headers)).status_code

        # two users behind the console: each has the whole budget, and one's flood leaves the other's alone
        assert [await post(console, f"user:a-{run}") for _ in range(5)] == [400, 400, 400, 429, 429]
        assert [await post(console, f"user:b-{run}") for _ in range(4)] == [400, 400, 400, 429]
        # a client that is not a trusted front end names a new user each time: still counted as itself
        assert [await post(forger, f"user:forged-{run}-{n}") for n in range(5)] == [400, 400, 400, 429, 429]
        limited = await forger.post("/v1/intake/web-form", json={}, headers={"x-aftercare-end-client": "user:z"})
        assert limited.status_code == 429 and "127.0.0.3" in limited.json()["detail"]
        # the console naming nobody is counted as the console
        assert [await post(console, None) for _ in range(4)] == [400, 400, 400, 429]
