"""Real local servers for tests and benchmarks: an SMTP server (aiosmtpd) and an HTTP server that speaks
like the two SMS gateway shapes and a partner webhook, recording what arrived and failing on demand."""

from __future__ import annotations

import asyncio
import contextlib
import email
import ssl
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from notify.channels.sms_gateways import verify_aliyun


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: Message
    # when the server accepted it (time.monotonic), for benchmarks
    at: float = 0.0


@dataclass
class MailBox:
    mails: list[ReceivedMail] = field(default_factory=list)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.mails if address in m.recipients]


class _Handler:
    def __init__(self, box: MailBox, refuse: set[str]) -> None:
        self.box, self.refuse = box, refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                           email.message_from_bytes(envelope.original_content or envelope.content),
                                           time.monotonic()))
        return "250 Message accepted for delivery"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """aiosmtpd on a fixed port that can be stopped and started again (an outage), with STARTTLS and AUTH
    when given a certificate and credentials."""

    def __init__(self, port: int, *, cert: tuple[Path, Path] | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self.port, self.box, self.refuse = port, MailBox(), set[str]()
        self._cert, self._credentials = cert, credentials
        self._controller: Any = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self._credentials is not None and (
            auth_data.login.decode(), auth_data.password.decode()) == self._credentials
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self._cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self._cert[0]), str(self._cert[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if self._credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(_Handler(self.box, self.refuse), hostname="127.0.0.1", port=self.port,
                                      **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class SmsReceived:
    provider: str
    to: str
    text: str
    key: str  # the idempotency key the provider saw
    provider_id: str


@dataclass
class HttpProviders:
    """What the fake gateways received, and how they should answer next."""

    secret: str = "aliyun-secret"
    account: tuple[str, str] = ("AC-test", "twilio-token")
    sms: list[SmsReceived] = field(default_factory=list)
    webhooks: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    # answer the next N requests of a provider with 503
    fail_next: dict[str, int] = field(default_factory=dict)
    seen_keys: dict[str, str] = field(default_factory=dict)
    # every request's idempotency key, repeats included (a repeat is a resend the key made harmless)
    requests: list[str] = field(default_factory=list)
    # seconds each SMS request takes to answer (a slow provider)
    delay: float = 0.0

    def to(self, number: str) -> list[SmsReceived]:
        return [s for s in self.sms if s.to == number]

    def _failing(self, provider: str) -> bool:
        if self.fail_next.get(provider, 0) > 0:
            self.fail_next[provider] -= 1
            return True
        return False

    def _record(self, provider: str, to: str, text: str, key: str) -> str:
        self.requests.append(key)
        # a provider that honours idempotency keys answers a replay with the first message's id
        if key in self.seen_keys:
            return self.seen_keys[key]
        provider_id = f"{provider}-{len(self.sms) + 1}"
        self.seen_keys[key] = provider_id
        self.sms.append(SmsReceived(provider, to, text, key, provider_id))
        return provider_id

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/aliyun")
        async def aliyun(request: Request) -> Any:
            import json

            if self._failing("aliyun"):
                return Response(status_code=503, content="busy")
            params = {k: str(v) for k, v in (await request.form()).items()}
            await asyncio.sleep(self.delay)
            if not verify_aliyun(params, self.secret):
                return {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
            text = json.loads(params["TemplateParam"])["content"]
            biz_id = self._record("aliyun", params["PhoneNumbers"], text, params["OutId"])
            return {"Code": "OK", "BizId": biz_id, "RequestId": params["SignatureNonce"]}

        @app.post("/twilio")
        async def twilio(request: Request) -> Any:
            import base64

            if self._failing("twilio"):
                return Response(status_code=503, content="busy")
            expected = "Basic " + base64.b64encode(f"{self.account[0]}:{self.account[1]}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return Response(status_code=401, content="unauthorized")
            form = {k: str(v) for k, v in (await request.form()).items()}
            await asyncio.sleep(self.delay)
            key = request.headers.get("i-twilio-idempotency-token", "")
            sid = self._record("twilio", form["To"], form["Body"], key)
            return Response(status_code=201, media_type="application/json",
                            content=f'{{"sid": "{sid}", "status": "queued"}}')

        @app.post("/hook")
        async def hook(request: Request) -> Any:
            if self._failing("hook"):
                return Response(status_code=503)
            self.webhooks.append((dict(request.headers), await request.body()))
            return {"ok": True}

        return app


@contextlib.asynccontextmanager
async def http_providers(port: int) -> AsyncIterator[HttpProviders]:
    providers = HttpProviders()
    server = uvicorn.Server(uvicorn.Config(providers.app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"the provider server did not start on port {port}")
        await asyncio.sleep(0.02)
    try:
        yield providers
    finally:
        server.should_exit = True
        await task


@contextlib.contextmanager
def certificate() -> Any:
    with tempfile.TemporaryDirectory() as directory:
        yield self_signed_certificate(Path(directory))
