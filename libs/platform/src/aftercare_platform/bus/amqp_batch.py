"""A batch of messages published in one socket write, their confirms awaited together.

aiormq's basic_publish costs a lock, a queue hop and a socket send per message: the relay's main CPU
cost (bench/bench_outbox.py --profile). Here the whole batch takes the channel's lock once, gets its
delivery tags in order, and goes out as one frame buffer; confirms and returns still arrive through
aiormq's own bookkeeping (`confirmations`, `message_id_delivery_tag`), which this fills as
basic_publish does. It leans on those aiormq attributes: tests/integration/test_amqp_batch.py fails if an
upgrade moves them.

The confirmations are plain futures, not the channel's (each of those carries three done callbacks, run one
by one through the loop), and the channel's confirm frames are answered here: aiormq answers a `multiple`
confirm by scheduling one callback per pending tag, scanning them all, for every such frame. A channel that
closes settles them through its `closing` future instead of the store that rejected its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aiormq import spec
from aiormq.abc import ChannelFrame
from pamqp.header import ContentHeader

from aftercare_platform.bus.ports import OutgoingMessage, PublishFailed

log = logging.getLogger(__name__)


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
    _answer_confirms_here(channel)
    confirmations: list[asyncio.Future[Any]] = []
    async with channel.lock:
        first_tag = channel.delivery_tag + 1
        for offset, message in enumerate(messages):
            tag = first_tag + offset
            confirmation = channel.loop.create_future()
            channel.confirmations[tag] = confirmation
            channel.message_id_delivery_tag[message.message_id] = tag
            confirmations.append(confirmation)
        channel.delivery_tag = first_tag + len(messages) - 1
        # the broker numbers a channel's publishes in the order it reads them: one buffer keeps ours
        await channel.write_queue.put(buffer)
    closed = await _settled(confirmations, confirm_within, channel.closing)
    for offset, message in enumerate(messages):  # a return is matched by message id only while unsettled
        if channel.message_id_delivery_tag.get(message.message_id) == first_tag + offset:
            channel.message_id_delivery_tag.pop(message.message_id)
    unconfirmed = "channel closed before its confirm" if closed else "no confirm in time"
    return [_outcome(message, confirmation, unconfirmed)
            for message, confirmation in zip(messages, confirmations, strict=True)]


def _answer_confirms_here(channel: Any) -> None:
    """The channel's Ack and Nack frames settle the confirmations they cover at once, in one pass."""
    if "_on_confirm_frame" in vars(channel):  # answered here already (the class's method is aiormq's)
        return

    async def on_confirm_frame(frame: Any) -> None:
        pending = channel.confirmations
        if frame.delivery_tag not in pending:
            log.error("Unexpected confirmation frame %r from broker", frame)
            return
        last = frame.delivery_tag
        # every pending tag up to it (a returned message's entry may sit out of order): aiormq settles each
        covered = [tag for tag in pending if tag <= last] if getattr(frame, "multiple", False) else [last]
        for tag in covered:
            channel._confirm_delivery(tag, frame)

    channel._on_confirm_frame = on_confirm_frame


async def _settled(confirmations: list[asyncio.Future[Any]], within: float, closing: asyncio.Future[Any]) -> bool:
    """Wait until every confirmation is settled, or cancel what is not in time or when the channel closes
    (True). The broker confirms in order (mostly with `multiple`), so the last unsettled one is waited for alone:
    a round or two, not a callback per message."""
    try:
        async with asyncio.timeout(within):
            while not closing.done():
                unsettled = [c for c in confirmations if not c.done()]
                if not unsettled:
                    break
                await asyncio.wait([unsettled[-1], closing], return_when=asyncio.FIRST_COMPLETED)
    except TimeoutError:
        pass
    finally:
        closed = closing.done()
        closing.cancel()  # the observer only: the channel stays as it is
        for late in confirmations:
            late.cancel()  # no-op on the settled ones; nothing left unsettled logs when collected
    return closed


def _outcome(message: OutgoingMessage, confirmation: asyncio.Future[Any], unconfirmed: str) -> PublishFailed | None:
    if confirmation.cancelled():
        return PublishFailed(f"publishing {message.message_id} failed: {unconfirmed}")
    error = confirmation.exception()
    if isinstance(error, aio_pika.exceptions.DeliveryError):
        return PublishFailed(f"broker refused {message.message_id}: {error}")
    if error is not None:
        return PublishFailed(f"publishing {message.message_id} failed: {error!r}")
    if isinstance(confirmation.result(), spec.Basic.Ack):
        return None
    return PublishFailed(f"broker did not confirm {message.message_id}: {type(confirmation.result()).__name__}")
