"""Every channel against a real local server: aiosmtpd (plain, STARTTLS + AUTH), and an HTTP server speaking
like the signed-request and basic-auth SMS gateways and a webhook receiver."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aftercare_platform.testing.ports import free_port
from notify.channels.base import Outgoing, PermanentFailure, TransientFailure
from notify.channels.file_sink import FileSink
from notify.channels.retrying import Retrying
from notify.channels.sms_gateways import (
    BasicAuthGatewayConfig,
    BasicAuthSms,
    FailoverSms,
    SignedGatewayConfig,
    SignedRequestSms,
)
from notify.channels.smtp import SmtpConfig, SmtpSender
from notify.channels.webhook import WebhookSender, verify
from notify.domain.vocabulary import Channel
from notify.testing.local_servers import HttpProviders, SmtpServer, certificate, http_providers

MAIL = Outgoing("d-1", Channel.EMAIL, "eng@example.com", "Case EA-1 assigned", subject="[EA-1] assigned",
                html="<p>Case EA-1 assigned</p>", case_id="case-1", case_number="EA-1")
SMS = Outgoing("d-2", Channel.SMS, "+8613800000001", "【Aftercare】案件EA-1已派给您")


@pytest.fixture
async def providers() -> AsyncIterator[tuple[HttpProviders, str, httpx.AsyncClient]]:
    port = free_port()
    async with http_providers(port) as fake, httpx.AsyncClient() as client:
        yield fake, f"http://127.0.0.1:{port}", client


def aliyun(base: str, client: httpx.AsyncClient, secret: str = "aliyun-secret") -> SignedRequestSms:
    return SignedRequestSms(SignedGatewayConfig(f"{base}/aliyun", "key-id", secret), client)


def twilio(base: str, client: httpx.AsyncClient) -> BasicAuthSms:
    return BasicAuthSms(BasicAuthGatewayConfig(f"{base}/twilio", "AC-test", "twilio-token", "+10000000000"), client)


async def test_smtp_plain_delivers_multipart_with_headers() -> None:
    server = SmtpServer(free_port())
    server.start()
    try:
        accepted = await SmtpSender(SmtpConfig(port=server.port, security="none")).send(MAIL)
    finally:
        server.stop()
    [mail] = server.box.mails
    assert mail.recipients == ["eng@example.com"] and mail.envelope_from == "bounces@aftercare.example"
    assert mail.message["Auto-Submitted"] == "auto-generated" and "EA-1" in mail.message["Subject"]
    assert mail.message.get_content_type() == "multipart/alternative"
    assert accepted.provider_message_id == mail.message["Message-ID"]


async def test_smtp_starttls_with_login() -> None:
    with certificate() as (cert, key):
        server = SmtpServer(free_port(), cert=(cert, key), credentials=("notify", "s3cret"))
        server.start()
        try:
            config = SmtpConfig(port=server.port, security="starttls", username="notify", password="s3cret",
                                ca_file=str(cert))
            await SmtpSender(config).send(MAIL)
            with pytest.raises(PermanentFailure, match="535"):
                await SmtpSender(SmtpConfig(port=server.port, security="starttls", username="notify",
                                            password="wrong", ca_file=str(cert))).send(MAIL)
        finally:
            server.stop()
    assert len(server.box.mails) == 1


async def test_smtp_refused_recipient_is_permanent_and_a_down_server_transient() -> None:
    server = SmtpServer(free_port())
    server.refuse.add("gone@example.com")
    server.start()
    try:
        with pytest.raises(PermanentFailure, match="550"):
            await SmtpSender(SmtpConfig(port=server.port, security="none")).send(
                Outgoing("d-3", Channel.EMAIL, "gone@example.com", "x", subject="s"))
    finally:
        server.stop()
    with pytest.raises(TransientFailure):
        await SmtpSender(SmtpConfig(port=server.port, security="none", timeout_seconds=2)).send(MAIL)


async def test_signed_request_gateway_signs_and_passes_the_key(providers) -> None:
    fake, base, client = providers
    accepted = await aliyun(base, client).send(SMS)
    [sms] = fake.sms
    assert (sms.provider, sms.to, sms.key) == ("aliyun", "+8613800000001", "d-2")
    assert "EA-1" in sms.text and accepted.provider_message_id == sms.provider_id
    with pytest.raises(PermanentFailure, match="SignatureDoesNotMatch"):
        await aliyun(base, client, secret="wrong").send(SMS)


async def test_basic_auth_gateway_and_idempotent_replay(providers) -> None:
    fake, base, client = providers
    first = await twilio(base, client).send(SMS)
    again = await twilio(base, client).send(SMS)
    assert first == again and len(fake.sms) == 1
    with pytest.raises(PermanentFailure, match="401"):
        await BasicAuthSms(BasicAuthGatewayConfig(f"{base}/twilio", "AC-test", "bad", "+1"), client).send(SMS)


async def test_failover_to_the_second_provider_when_the_first_is_down(providers) -> None:
    fake, base, client = providers
    fake.fail_next["aliyun"] = 100
    accepted = await FailoverSms(aliyun(base, client), twilio(base, client)).send(SMS)
    assert accepted.provider == "twilio" and [s.provider for s in fake.sms] == ["twilio"]


async def test_no_failover_when_the_first_may_have_accepted(providers) -> None:
    fake, base, client = providers
    # a server that takes the request and never answers
    started = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        started.set()
        await reader.read(65536)
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    silent = SignedRequestSms(SignedGatewayConfig(f"http://127.0.0.1:{port}/", "k", "s", timeout_seconds=0.5),
                              client)
    async with server:
        with pytest.raises(TransientFailure) as failure:
            await FailoverSms(silent, twilio(base, client)).send(SMS)
    assert failure.value.maybe_accepted and started.is_set()
    assert fake.sms == []


async def test_retrying_rides_out_a_short_outage(providers) -> None:
    fake, base, client = providers
    fake.fail_next["twilio"] = 2
    accepted = await Retrying(twilio(base, client), attempts=3, initial=0.01, maximum=0.05).send(SMS)
    assert accepted.provider == "twilio" and len(fake.sms) == 1
    fake.fail_next["twilio"] = 5
    with pytest.raises(TransientFailure, match="503"):
        await Retrying(twilio(base, client), attempts=2, initial=0.01, maximum=0.02).send(SMS)


async def test_signed_webhook_verifies_and_carries_the_key(providers) -> None:
    fake, base, client = providers
    await WebhookSender("hook-secret", client).send(
        Outgoing("d-4", Channel.WEBHOOK, f"{base}/hook", "text", case_number="EA-1", event_type="sla.breached"))
    [(headers, body)] = fake.webhooks
    assert headers["idempotency-key"] == "d-4" and json.loads(body)["case_number"] == "EA-1"
    assert verify("hook-secret", headers["x-aftercare-signature"], body, now=int(time.time()))
    assert not verify("other", headers["x-aftercare-signature"], body, now=int(time.time()))
    assert not verify("hook-secret", headers["x-aftercare-signature"], body + b"x", now=int(time.time()))


async def test_file_sink_appends_lines(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "out.jsonl", Channel.SMS)
    await sink.send(SMS)
    await sink.send(SMS)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["to"] == "+8613800000001"
