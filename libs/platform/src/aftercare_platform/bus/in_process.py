"""The embedded-mode broker: topic routing, acks, redelivery and dead-lettering in one process.

Same semantics as the RabbitMQ topology (see topology.py), so services run unchanged."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aftercare_platform.bus import topology
from aftercare_platform.bus.ports import DeliveryHandler, OutgoingMessage, PublishFailed

log = logging.getLogger(__name__)


@dataclass
class _Stored:
    message: OutgoingMessage
    routing_key: str
    delivery_count: int = 0


@dataclass
class _Queue:
    name: str
    bindings: list[str]
    delivery_limit: int | None
    dead_letter_to: str | None
    ready: deque[_Stored] = field(default_factory=deque)
    unacked: int = 0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)


class _AckScope:
    """A consumer's unsettled deliveries in delivery order, as an AMQP channel keeps them (ack multiple)."""

    def __init__(self) -> None:
        self.unsettled: dict[int, InProcessDelivery] = {}
        self._serials = itertools.count()

    def track(self, delivery: InProcessDelivery) -> int:
        serial = next(self._serials)
        self.unsettled[serial] = delivery
        return serial

    def through(self, serial: int) -> list[InProcessDelivery]:
        return [delivery for number, delivery in self.unsettled.items() if number <= serial]


class InProcessDelivery:
    def __init__(self, broker: InProcessBroker, queue: _Queue, stored: _Stored, scope: _AckScope | None = None) -> None:
        self._broker, self._queue, self._stored = broker, queue, stored
        self._settled = False
        self._scope = scope or _AckScope()
        self._serial = self._scope.track(self)
        self.body = stored.message.body
        self.message_id: str | None = stored.message.message_id
        self.routing_key = stored.routing_key
        self.headers: dict[str, object] = dict(stored.message.headers)
        self.redelivered = stored.delivery_count > 0

    @property
    def delivery_count(self) -> int:
        return self._stored.delivery_count

    @property
    def ack_scope(self) -> object:
        return self._scope

    async def ack(self, *, multiple: bool = False) -> None:
        if self._settled:
            raise RuntimeError("delivery already acknowledged or rejected")
        for delivery in self._scope.through(self._serial) if multiple else [self]:
            delivery._settle()

    async def reject(self, *, requeue: bool) -> None:
        self._settle()
        self._broker._return_or_park(self._queue, self._stored, requeue=requeue)

    def _settle(self) -> None:
        if self._settled:
            raise RuntimeError("delivery already acknowledged or rejected")
        self._settled = True
        self._scope.unsettled.pop(self._serial, None)
        self._queue.unacked -= 1
        self._queue.wakeup.set()


class _InProcessSubscription:
    def __init__(self, task: asyncio.Task[None], scope: _AckScope) -> None:
        self._task = task
        self._scope = scope

    @property
    def active(self) -> bool:
        return not self._task.done()

    async def cancel(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def release(self) -> None:
        # as a closing AMQP channel does: unsettled deliveries return to the queue, counted
        for delivery in reversed(list(self._scope.unsettled.values())):
            await delivery.reject(requeue=True)


async def _call(handler: DeliveryHandler, delivery: InProcessDelivery) -> None:
    await handler(delivery)


class InProcessBroker:
    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}
        self._connected = False
        self._declare(topology.UNROUTED_QUEUE, [], None, None)

    def _declare(self, name: str, bindings: list[str], limit: int | None, dead_letter_to: str | None) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = _Queue(name, list(bindings), limit, dead_letter_to)
        else:
            queue.bindings = sorted(set(queue.bindings) | set(bindings))
        return queue

    async def connect(self) -> None:
        self._connected = True

    async def publish(self, message: OutgoingMessage) -> None:
        self._ensure_connected()
        targets = [
            q for q in self._queues.values()
            if any(topology.binding_matches(p, message.routing_key) for p in q.bindings)
        ]
        for queue in targets or [self._queues[topology.UNROUTED_QUEUE]]:
            self._enqueue(queue, _Stored(message, message.routing_key))

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishFailed | None]:
        outcomes: list[PublishFailed | None] = []
        for message in messages:
            try:
                await self.publish(message)
                outcomes.append(None)
            except PublishFailed as failed:
                outcomes.append(failed)
        return outcomes

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        self._ensure_connected()
        if queue not in self._queues:
            raise PublishFailed(f"no queue {queue!r}: message would be unroutable")
        self._enqueue(self._queues[queue], _Stored(message, message.routing_key))

    async def declare_work_queue(self, queue: str, bindings: list[str], delivery_limit: int) -> None:
        topology.validate_queue_name(queue)
        self._declare(topology.parking_queue(queue), [], None, None)
        self._declare(queue, bindings, delivery_limit, topology.parking_queue(queue))

    async def consume(self, queue: str, prefetch: int, handler: DeliveryHandler) -> _InProcessSubscription:
        target = self._queues[queue]
        scope = _AckScope()
        task = asyncio.create_task(self._deliver_loop(target, prefetch, handler, scope), name=f"consume:{queue}")
        return _InProcessSubscription(task, scope)

    async def _deliver_loop(self, queue: _Queue, prefetch: int, handler: DeliveryHandler, scope: _AckScope) -> None:
        running: set[asyncio.Task[None]] = set()
        for serial in itertools.count():
            while not queue.ready or queue.unacked >= prefetch:
                queue.wakeup.clear()
                await queue.wakeup.wait()
            stored = queue.ready.popleft()
            queue.unacked += 1
            task = asyncio.create_task(_call(handler, InProcessDelivery(self, queue, stored, scope)),
                                       name=f"{queue.name}#{serial}")
            running.add(task)
            task.add_done_callback(running.discard)

    async def get(self, queue: str) -> InProcessDelivery | None:
        target = self._queues.get(queue)
        if target is None or not target.ready:
            return None
        stored = target.ready.popleft()
        target.unacked += 1
        return InProcessDelivery(self, target, stored)

    async def queue_depth(self, queue: str) -> int:
        return len(self._queues[queue].ready)

    async def ping(self) -> bool:
        return self._connected

    async def close(self) -> None:
        self._connected = False

    def _ensure_connected(self) -> None:
        if not self._connected:
            raise PublishFailed("in-process broker is closed")

    def _enqueue(self, queue: _Queue, stored: _Stored) -> None:
        queue.ready.append(stored)
        queue.wakeup.set()

    def _return_or_park(self, queue: _Queue, stored: _Stored, *, requeue: bool) -> None:
        stored.delivery_count += 1
        over_limit = queue.delivery_limit is not None and stored.delivery_count > queue.delivery_limit
        if requeue and not over_limit:
            queue.ready.appendleft(stored)
            queue.wakeup.set()
        elif queue.dead_letter_to is not None:
            self._enqueue(self._queues[queue.dead_letter_to], _Stored(stored.message, stored.routing_key))
        else:
            log.error("message %s rejected from %s with nowhere to park it", stored.message.message_id, queue.name)
