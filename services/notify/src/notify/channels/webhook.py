"""Signed webhooks for partner systems: JSON body, `X-Aftercare-Signature: t=<unix>,v1=<hex HMAC-SHA256>`
over `<t>.<body>`, and the delivery key as `Idempotency-Key`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from notify.channels.base import Accepted, Outgoing
from notify.channels.http_errors import status_failure, transport_failure
from notify.domain.vocabulary import Channel


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a partner does with our webhook: check the MAC and refuse a replay older than `tolerance`."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class WebhookSender:
    channel = Channel.WEBHOOK

    def __init__(self, secret: str, client: httpx.AsyncClient, name: str = "webhook", timeout_seconds: float = 10,
                 now: Callable[[], float] = time.time) -> None:
        self._secret, self._client, self.name, self._timeout, self._now = secret, client, name, timeout_seconds, now

    async def send(self, message: Outgoing) -> Accepted:
        body = json.dumps({
            "delivery_id": message.delivery_id, "event_type": message.event_type, "case_id": message.case_id,
            "case_number": message.case_number, "subject": message.subject, "text": message.text,
        }, ensure_ascii=False).encode()
        headers = {"content-type": "application/json", "idempotency-key": message.delivery_id,
                   "x-aftercare-signature": sign(self._secret, int(self._now()), body)}
        try:
            response = await self._client.post(message.address, content=body, headers=headers, timeout=self._timeout)
        except httpx.TransportError as error:
            raise transport_failure(self.name, error) from error
        if not response.is_success:
            raise status_failure(self.name, response)
        return Accepted(self.name, response.headers.get("x-request-id", message.delivery_id))

    async def close(self) -> None:
        return None
