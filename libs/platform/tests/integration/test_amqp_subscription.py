"""The consumer's subscription on real RabbitMQ: deliveries as aiormq hands them over, a queue the broker
cancels the consumer of (deleted, then declared again) consumed again, a cancelled subscription quiet."""

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import func, insert, select

from .conftest import eventually


async def _handled(db, effects) -> int:
    async with db.reading() as connection:
        return int((await connection.execute(select(func.count()).select_from(effects))).scalar_one())


async def _emit_and_publish(db, relay: OutboxRelay, topic, n: int) -> None:
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject=f"agg-{n}", data={"n": n}, region="east")
    while await relay.drain_once():
        pass


async def test_a_consumer_the_broker_cancels_consumes_again_once_its_queue_is_back(database_url, amqp_url, topic):
    db, effects = await open_database(database_url, "bus_cancelled")
    broker, publisher = await open_broker(amqp_url, "cancelled-consumer"), await open_broker(amqp_url, "cancel-relay")
    queue = topic.queue("cancelled")
    seen: list[tuple[str, str]] = []

    async def handler(event, uow):
        seen.append((event.type, event.subject))
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=10, delivery_limit=5, attempts=3)
    relay = OutboxRelay(db, publisher, batch_size=10)
    await consumer.start()
    try:
        await _emit_and_publish(db, relay, topic, 1)
        await eventually(lambda: _equals(_handled(db, effects), 1), what="the first event handled")
        assert seen == [(topic.event, "agg-1")]  # the delivery's body, as aiormq handed it over

        channel = await broker.connection.channel()
        await channel.queue_delete(queue)  # the broker cancels every consumer of the queue
        await channel.close()
        await eventually(lambda: _holds(not consumer.consuming), what="the consumer no longer consuming")

        await broker.declare_work_queue(queue, [topic.binding], 5)
        await eventually(lambda: _holds(consumer.consuming), within=30, what="the consumer registered again")
        await _emit_and_publish(db, relay, topic, 2)
        await eventually(lambda: _equals(_handled(db, effects), 2), what="an event after the cancel handled")

        await consumer.stop()
        await _emit_and_publish(db, relay, topic, 3)
        assert await broker.queue_depth(queue) == 1  # a stopped consumer takes nothing more
        assert await _handled(db, effects) == 2
    finally:
        await consumer.stop()
        await broker.close()
        await publisher.close()
        await db.close()


async def _equals(counting, expected: int) -> bool:
    return await counting == expected


async def _holds(condition: bool) -> bool:
    return condition
