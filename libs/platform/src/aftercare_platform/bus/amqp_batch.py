"""A batch of messages published in one socket write, their confirms awaited together.

aiormq's basic_publish costs a lock, a queue hop and a socket send per message: the relay's main CPU
cost (bench/bench_outbox.py --profile). Here the whole batch takes the channel's lock once, gets its
delivery tags in order, and goes out as one frame buffer; confirms and returns still arrive through
aiormq's own bookkeeping (`confirmations`, `message_id_delivery_tag`), which this fills as
basic_publish does. It leans on those aiormq attributes: tests/integration/test_amqp_batch.py fails if an
upgrade moves them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aio_pika
from aiormq import spec
from aiormq.abc import ChannelFrame
from pamqp.header import ContentHeader

from aftercare_platform.bus.ports import OutgoingMessage, PublishFailed


def _frames(channel: Any, exchange: str, message: OutgoingMessage) -> list[Any]:
    properties = spec.Basic.Properties(
        content_type=message.content_type, message_id=message.message_id, headers=dict(message.headers),
        delivery_mode=int(aio_pika.DeliveryMode.PERSISTENT))
    return [
        # mandatory: an unroutable message comes back as a Return, a failed publish, not a silent loss
        spec.Basic.Publish(exchange=exchange, routing_key=message.routing_key, mandatory=True),
        ContentHeader(properties=properties, body_size=len(message.body)),
        *channel._split_body(message.body),  # bodies over the frame size go in several frames
    ]


async def publish_batch(
    channel: Any, exchange: str, messages: Sequence[OutgoingMessage], confirm_within: float
) -> list[PublishFailed | None]:
    """One outcome per message, in order (None: confirmed). `channel` is an aiormq channel in confirm mode."""
    if not messages:
        return []
    if channel.is_closed:
        return [PublishFailed(f"publishing {m.message_id} failed: channel closed") for m in messages]
    # marshalled before any delivery tag is taken: a frame that cannot be encoded changes nothing
    buffer = ChannelFrame.marshall(
        frames=[frame for message in messages for frame in _frames(channel, exchange, message)],
        channel_number=channel.number)
    confirmations: list[asyncio.Future[Any]] = []
    async with channel.lock:
        first_tag = channel.delivery_tag + 1
        for offset, message in enumerate(messages):
            tag = first_tag + offset
            confirmation = channel.create_future()
            channel.confirmations[tag] = confirmation
            channel.message_id_delivery_tag[message.message_id] = tag
            confirmations.append(confirmation)
        channel.delivery_tag = first_tag + len(messages) - 1
        # the broker numbers a channel's publishes in the order it reads them: one buffer keeps ours
        await channel.write_queue.put(buffer)
    await _settled(confirmations, confirm_within)
    for offset, message in enumerate(messages):  # a return is matched by message id only while unsettled
        if channel.message_id_delivery_tag.get(message.message_id) == first_tag + offset:
            channel.message_id_delivery_tag.pop(message.message_id)
    return [_outcome(message, confirmation) for message, confirmation in zip(messages, confirmations, strict=True)]


async def _settled(confirmations: list[asyncio.Future[Any]], within: float) -> None:
    """Wait until every confirmation is settled, or cancel what is not in time. The broker confirms in order
    (mostly with `multiple`), so the last one is waited for alone: one callback, not one per message."""
    try:
        async with asyncio.timeout(within):
            await asyncio.wait([confirmations[-1]])
            unsettled = [c for c in confirmations if not c.done()]
            if unsettled:
                await asyncio.wait(unsettled)
    except TimeoutError:
        for late in confirmations:
            late.cancel()  # no-op on the settled ones


def _outcome(message: OutgoingMessage, confirmation: asyncio.Future[Any]) -> PublishFailed | None:
    if confirmation.cancelled():
        return PublishFailed(f"publishing {message.message_id} failed: no confirm in time")
    error = confirmation.exception()
    if isinstance(error, aio_pika.exceptions.DeliveryError):
        return PublishFailed(f"broker refused {message.message_id}: {error}")
    if error is not None:
        return PublishFailed(f"publishing {message.message_id} failed: {error!r}")
    if isinstance(confirmation.result(), spec.Basic.Ack):
        return None
    return PublishFailed(f"broker did not confirm {message.message_id}: {type(confirmation.result()).__name__}")
