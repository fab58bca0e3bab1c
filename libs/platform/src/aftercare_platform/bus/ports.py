"""What the relay, the consumers and the DLQ tools need from a broker: RabbitMQ or in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class PublishFailed(Exception):
    """The broker did not confirm the message (nack, unroutable, connection lost, timeout)."""


@dataclass
class OutgoingMessage:
    body: bytes
    message_id: str
    routing_key: str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/cloudevents+json"


class Delivery(Protocol):
    @property
    def body(self) -> bytes: ...

    @property
    def message_id(self) -> str | None: ...

    @property
    def routing_key(self) -> str: ...

    @property
    def headers(self) -> dict[str, object]: ...

    @property
    def redelivered(self) -> bool: ...

    @property
    def delivery_count(self) -> int:
        """How many times this message was delivered before (0 the first time)."""
        ...

    @property
    def ack_scope(self) -> object:
        """Deliveries with the same scope (one AMQP channel) can be acknowledged together."""
        ...

    async def ack(self, *, multiple: bool = False) -> None:
        """multiple=True also acknowledges every earlier unsettled delivery of the same ack_scope."""
        ...

    async def reject(self, *, requeue: bool) -> None:
        """requeue=False dead-letters the message to the queue's parking queue."""
        ...


DeliveryHandler = Callable[[Delivery], Awaitable[None]]


class Subscription(Protocol):
    @property
    def active(self) -> bool:
        """Messages can reach the handler now (false while the broker connection is being restored)."""
        ...

    async def cancel(self) -> None:
        """No more deliveries; those already handed over can still be settled."""
        ...

    async def release(self) -> None:
        """After cancel: what is still unsettled goes back to the queue (the AMQP channel closes)."""
        ...


class Broker(Protocol):
    async def connect(self) -> None: ...

    async def publish(self, message: OutgoingMessage) -> None:
        """Publish to the events exchange and wait for the broker's confirm."""
        ...

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishFailed | None]:
        """Publish in order, pipelined; one outcome per message (None when the broker confirmed it)."""
        ...

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        """Publish straight into one queue (replaying parked messages), confirmed."""
        ...

    async def declare_work_queue(self, queue: str, bindings: list[str], delivery_limit: int) -> None: ...

    async def consume(self, queue: str, prefetch: int, handler: DeliveryHandler) -> Subscription: ...

    async def get(self, queue: str) -> Delivery | None:
        """Take one message without a consumer (for inspecting and replaying parking queues)."""
        ...

    async def queue_depth(self, queue: str) -> int: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
