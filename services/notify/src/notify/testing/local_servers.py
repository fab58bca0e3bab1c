"""Real local servers for notify's tests and benchmarks: an HTTP server that speaks like the two SMS gateway
shapes and a partner webhook, recording what arrived and failing on demand. The SMTP server is the kit's
(`aftercare_platform.testing.smtp`), re-exported here for notify's own tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from aftercare_platform.testing.smtp import MailBox, ReceivedMail, SmtpServer, certificate, self_signed_certificate
from fastapi import FastAPI, Request, Response

from notify.channels.sms_gateways import verify_aliyun

__all__ = [
    "HttpProviders",
    "MailBox",
    "ReceivedMail",
    "SmsReceived",
    "SmtpServer",
    "certificate",
    "http_providers",
    "self_signed_certificate",
]


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
