"""Consuming a queue on aiormq's channel under an aio-pika robust channel.

aio-pika wraps every delivery in an IncomingMessage (some thirty attribute writes, ~40 µs) and hands it
over in a task of its own, on top of the task aiormq already runs per delivery: together more than a tenth
of what the consumer spent on an event it handled no-op (bench/bench_consumer_windows.py). Here the
consumer is registered on the robust channel's underlying aiormq channel and gets aiormq's message as it
is; the robust channel still reconnects, restores its QoS and calls `reopen_callbacks`, where the consumer
is registered again on the new channel. A consumer the broker cancels (its queue deleted) is registered
again with backoff until the queue is back."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import aiormq
from aio_pika.abc import AbstractRobustChannel
from aio_pika.exceptions import AMQPError
from aiormq.abc import DeliveredMessage

log = logging.getLogger(__name__)
OnMessage = Callable[[DeliveredMessage], Coroutine[Any, Any, None]]
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


class AmqpSubscription:
    """One consumer of `queue` on a robust channel of its own."""

    def __init__(self, channel: AbstractRobustChannel, queue: str, on_message: OnMessage, connection_name: str) -> None:
        self.channel, self.queue = channel, queue
        self._on_message = on_message
        self._tag = f"{connection_name}.{queue}.{uuid.uuid4().hex[:8]}"
        # the aiormq channel the consumer is registered on now (None: not registered)
        self._attached: aiormq.abc.AbstractChannel | None = None
        self._cancelled = False
        self._retry: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        # registered on a channel that is still open (a restored connection brings a new one; cancel clears it)
        return self._attached is not None and not self._attached.is_closed

    async def attach(self, *_: Any) -> None:
        """Register the consumer on the robust channel's current aiormq channel (also its reopen callback)."""
        if self._cancelled:
            return
        underlay = await self.channel.get_underlay_channel()
        underlay.on_consumer_cancel_callbacks.add(self._on_broker_cancel)
        await underlay.basic_consume(self.queue, self._on_message, no_ack=False, consumer_tag=self._tag)
        self._attached = underlay

    def _on_broker_cancel(self, frame: aiormq.spec.Basic.Cancel) -> None:
        if frame.consumer_tag != self._tag or self._cancelled:
            return
        log.warning("the broker cancelled the consumer of %s; registering it again", self.queue)
        self._attached = None
        if self._retry is None or self._retry.done():
            self._retry = asyncio.create_task(self._attach_again(), name=f"reattach:{self.queue}")

    async def _attach_again(self) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            if self._cancelled or self.active:
                return
            try:
                await self.attach()
                log.info("consuming %s again", self.queue)
                return
            except (AMQPError, ConnectionError, RuntimeError) as error:
                if attempt == 0:
                    log.warning("registering the consumer of %s failed (%s); trying again", self.queue, error)

    async def cancel(self) -> None:
        self._cancelled = True
        self.channel.reopen_callbacks.discard(self.attach)
        if self._retry is not None:
            self._retry.cancel()
        attached, self._attached = self._attached, None
        if attached is None or attached.is_closed:
            return
        try:
            await attached.basic_cancel(self._tag)
        except (AMQPError, asyncio.CancelledError, RuntimeError) as error:
            log.warning("cancelling consumer on %s failed: %s", self.queue, error)

    async def release(self) -> None:
        try:
            await self.channel.close()
        except (AMQPError, asyncio.CancelledError, RuntimeError) as error:
            log.warning("closing the consumer channel of %s failed: %s", self.queue, error)


async def subscribe(channel: AbstractRobustChannel, queue: str, on_message: OnMessage,
                    connection_name: str) -> AmqpSubscription:
    subscription = AmqpSubscription(channel, queue, on_message, connection_name)
    await subscription.attach()
    channel.reopen_callbacks.add(subscription.attach)
    return subscription
