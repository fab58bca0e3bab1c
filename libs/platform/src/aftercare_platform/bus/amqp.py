"""The RabbitMQ broker: aio-pika robust connection, confirmed publishing, quorum work queues; deliveries
as aiormq hands them over (bus/amqp_subscription.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, DeliveryError
from aiormq import spec
from aiormq.abc import DeliveredMessage

from aftercare_platform.bus import topology
from aftercare_platform.bus.amqp_batch import publish_batch
from aftercare_platform.bus.amqp_subscription import AmqpSubscription, subscribe
from aftercare_platform.bus.ports import DeliveryHandler, OutgoingMessage, PublishFailed

log = logging.getLogger(__name__)


@dataclass
class AmqpDelivery:
    """A message as aiormq delivered it, seen through the `Delivery` port."""

    message: DeliveredMessage
    # set when the delivery came from get(): its channel closes once the message is settled
    own_channel: AbstractChannel | None = None

    @property
    def body(self) -> bytes:
        return self.message.body

    @property
    def message_id(self) -> str | None:
        return self.message.header.properties.message_id

    @property
    def routing_key(self) -> str:
        return self.message.routing_key or ""

    @property
    def headers(self) -> dict[str, object]:
        return dict(self._headers)

    @property
    def redelivered(self) -> bool:
        return bool(self.message.redelivered)

    @property
    def delivery_count(self) -> int:
        count = self._headers.get("x-delivery-count", 0)
        return int(count) if isinstance(count, int | str) else 0

    @property
    def ack_scope(self) -> object:
        # the AMQP channel it came on (a restored connection brings new ones): a tag means nothing on another
        return self.message.channel

    async def ack(self, *, multiple: bool = False) -> None:
        await self.message.channel.basic_ack(self._tag, multiple=multiple)
        await self._release()

    async def reject(self, *, requeue: bool) -> None:
        await self.message.channel.basic_reject(self._tag, requeue=requeue)
        await self._release()

    @property
    def _headers(self) -> Mapping[str, object]:
        return self.message.header.properties.headers or {}

    @property
    def _tag(self) -> int:
        tag = self.message.delivery_tag
        assert tag is not None  # a Deliver or a GetOk frame always carries one
        return tag

    async def _release(self) -> None:
        if self.own_channel is not None:
            await self.own_channel.close()


class AmqpBroker:
    def __init__(self, url: str, *, connection_name: str, publish_timeout: float = 10.0) -> None:
        self._url = url
        self._name = connection_name
        self._publish_timeout = publish_timeout
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": self._name}, reconnect_interval=1
        )
        # on_return_raises: an unroutable mandatory message is a failed publish, not a silent loss
        self._publish_channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._events = await declare_topology(self._publish_channel)

    @property
    def connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise RuntimeError("broker not connected")
        return self._connection

    async def publish(self, message: OutgoingMessage) -> None:
        if self._events is None:
            raise RuntimeError("broker not connected")
        await self._publish(self._events, message, message.routing_key)

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishFailed | None]:
        """The batch goes out in one write, in order, then its confirms are awaited together; one outcome per
        message (None: confirmed)."""
        if self._publish_channel is None or self._events is None:
            raise RuntimeError("broker not connected")
        channel = await self._publish_channel.get_underlay_channel()
        return await publish_batch(channel, self._events.name, messages, self._publish_timeout)

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        if self._publish_channel is None:
            raise RuntimeError("broker not connected")
        await self._publish(self._publish_channel.default_exchange, message, queue)

    async def _publish(self, exchange: AbstractExchange, message: OutgoingMessage, routing_key: str) -> None:
        amqp_message = aio_pika.Message(
            body=message.body,
            message_id=message.message_id,
            content_type=message.content_type,
            headers=dict(message.headers),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            await exchange.publish(amqp_message, routing_key, mandatory=True, timeout=self._publish_timeout)
        except DeliveryError as refused:
            raise PublishFailed(f"broker refused {message.message_id} to {routing_key!r}: {refused}") from refused
        except (TimeoutError, AMQPError, ConnectionError, RuntimeError) as lost:
            raise PublishFailed(f"publishing {message.message_id} failed: {lost!r}") from lost

    async def declare_work_queue(self, queue: str, bindings: list[str], delivery_limit: int) -> None:
        topology.validate_queue_name(queue)
        channel = await self.connection.channel()
        try:
            events = await declare_topology(channel)
            dlx = await channel.get_exchange(topology.DEAD_LETTER_EXCHANGE)
            parked = await channel.declare_queue(
                topology.parking_queue(queue), durable=True, arguments=topology.PARKING_QUEUE_ARGUMENTS
            )
            await parked.bind(dlx, routing_key=queue)
            work = await channel.declare_queue(
                queue, durable=True, arguments=topology.work_queue_arguments(queue, delivery_limit)
            )
            for pattern in bindings:
                await work.bind(events, routing_key=pattern)
        finally:
            await channel.close()

    async def consume(self, queue: str, prefetch: int, handler: DeliveryHandler) -> AmqpSubscription:
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        await channel.get_queue(queue, ensure=True)  # a missing queue fails here, not silently later

        async def on_message(message: DeliveredMessage) -> None:
            await handler(AmqpDelivery(message))

        return await subscribe(channel, queue, on_message, self._name)

    async def get(self, queue: str) -> AmqpDelivery | None:
        channel = await self.connection.channel()
        await channel.get_queue(queue, ensure=True)
        message = await (await channel.get_underlay_channel()).basic_get(queue, no_ack=False)
        if not isinstance(message.delivery, spec.Basic.GetOk):  # GetEmpty
            await channel.close()
            return None
        return AmqpDelivery(message, own_channel=channel)

    async def queue_depth(self, queue: str) -> int:
        channel = await self.connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            return int(declared.declaration_result.message_count or 0)
        finally:
            await channel.close()

    async def ping(self) -> bool:
        return self._connection is not None and not self._connection.is_closed and self._events is not None

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


async def declare_topology(channel: AbstractChannel) -> AbstractExchange:
    """Idempotent: every service declares the whole shared topology at start."""
    unrouted = await channel.declare_exchange(topology.UNROUTED_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
    unrouted_queue = await channel.declare_queue(
        topology.UNROUTED_QUEUE,
        durable=True,
        arguments={"x-max-length": topology.UNROUTED_MAX_LENGTH, "x-overflow": "drop-head"},
    )
    await unrouted_queue.bind(unrouted)
    await channel.declare_exchange(topology.DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
    arguments: dict[str, Any] = {"alternate-exchange": topology.UNROUTED_EXCHANGE}
    return await channel.declare_exchange(
        topology.EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True, arguments=arguments
    )
