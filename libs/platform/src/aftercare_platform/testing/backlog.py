"""A service's consumers draining a backlog, for tests and benches on the real PostgreSQL and RabbitMQ.

The service's schema is migrated in the given database; its subscriptions are bound to queues of their own
(a tag after the name: the session's vhost is shared); the events come from a producer's outbox in the same
database, published by a relay before the consumers start, so the windows fill as after a restart."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.bus.ports import Broker
from aftercare_platform.bus.topology import PARKING_SUFFIX
from aftercare_platform.clock import SystemClock
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.testing import harness


@dataclass
class Backlog:
    database: Database  # the service's
    producer: Database
    broker: Broker
    subscriptions: list[EventSubscription]

    @classmethod
    async def open(cls, definition: ServiceDefinition[Any], database_url: str, amqp_url: str,
                   subscriptions: Callable[[Database], Sequence[EventSubscription]]) -> Backlog:
        """`subscriptions`: the service's, given its database (e.g. `lambda db: consumers(Handlers(db))[:2]`)."""
        settings = definition.settings(database_url=database_url, amqp_url=amqp_url)
        await migrate(definition, settings)
        database = open_database(definition, settings, SystemClock())
        producer, _ = await harness.open_database(database_url, "backlog_producer")
        broker = await harness.open_broker(amqp_url, "backlog")
        tag = uuid.uuid4().hex[:8]
        chosen = [replace(s, queue=f"{s.queue}-{tag}") for s in subscriptions(database)]
        for subscription in chosen:  # bound before anything is published
            await broker.declare_work_queue(subscription.queue, subscription.bindings, 5)
        return cls(database, producer, broker, chosen)

    async def publish(self, emit: Callable[[UnitOfWork, int], None], transactions: int) -> None:
        """`emit(uow, n)` for n in range(transactions), each in its own transaction; then all of it published."""
        for n in range(transactions):
            async with self.producer.unit_of_work() as uow:
                emit(uow, n)
        relay = OutboxRelay(self.producer, self.broker, batch_size=1000)
        while await relay.drain_once():
            pass

    async def consume(self, events: int, *, within: float = 120, prefetch: int = 200) -> float:
        """Start a consumer per subscription and wait until they have handled `events` in all; the seconds it
        took. The consumers are stopped after."""
        consumers = [EventConsumer(self.broker, self.database, s, prefetch=prefetch, delivery_limit=5, attempts=3)
                     for s in self.subscriptions]
        inbox = self.database.tables.inbox
        handled = select(func.count()).select_from(inbox).where(inbox.c.consumer.in_([c.queue for c in consumers]))
        started = time.perf_counter()
        for consumer in consumers:
            await consumer.start()
        try:
            while True:
                async with self.database.engine.connect() as connection:
                    if (await connection.execute(handled)).scalar_one() >= events:
                        return time.perf_counter() - started
                if time.perf_counter() - started > within:
                    raise TimeoutError(f"{events} events not handled within {within} s")
                await asyncio.sleep(0.05)
        finally:
            for consumer in consumers:
                await consumer.stop()

    async def close(self) -> None:
        if isinstance(self.broker, AmqpBroker):  # its queues go: later events are not copied into them
            channel = await self.broker.connection.channel()
            for subscription in self.subscriptions:
                await channel.queue_delete(subscription.queue)
                await channel.queue_delete(subscription.queue + PARKING_SUFFIX)
            await channel.close()
        await self.broker.close()
        await self.producer.close()
        await self.database.close()
