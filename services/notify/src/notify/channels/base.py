"""One interface for every channel: send a message under its idempotency key, or say how it failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from notify.domain.vocabulary import Channel


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str  # the idempotency key of (event, recipient, channel), given to providers that take one
    channel: Channel
    address: str
    text: str
    subject: str = ""
    html: str = ""
    case_id: str = ""
    case_number: str = ""
    event_type: str = ""
    template: str = ""


@dataclass(frozen=True)
class Accepted:
    provider: str
    provider_message_id: str


class ChannelFailure(Exception):
    def __init__(self, provider: str, detail: str) -> None:
        super().__init__(f"{provider}: {detail}")
        self.provider, self.detail = provider, detail


class TransientFailure(ChannelFailure):
    """Worth trying again later (server down, 4xx SMTP reply, 5xx/429 HTTP, timeout).

    `maybe_accepted`: the request may have reached the provider (a read timeout after sending); only the
    same provider, with the same idempotency key, may be tried again, never a fail-over provider."""

    def __init__(self, provider: str, detail: str, *, maybe_accepted: bool = False) -> None:
        super().__init__(provider, detail)
        self.maybe_accepted = maybe_accepted


class PermanentFailure(ChannelFailure):
    """Will never succeed as it is (address refused, invalid number, template rejected): recorded and parked."""


class ChannelSender(Protocol):
    channel: Channel
    name: str

    async def send(self, message: Outgoing) -> Accepted: ...

    async def close(self) -> None: ...
