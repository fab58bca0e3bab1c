"""A database outage under load is waited out: nothing parked, every event handled once.

The consumer reaches PostgreSQL through a fault proxy, which cuts and delays its connections (the
shared server itself is never restarted)."""

import asyncio

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription, PermanentError
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.fault_proxy import FaultProxy
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import func, insert, select

from .conftest import eventually

EVENTS = 1500


async def _count(db, table) -> int:
    async with db.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def _effects(db, effects) -> list[str]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(select(effects.c.event_id))).scalars())


async def _through_a_proxy(database_url: str, amqp_url: str, schema: str, queue: str, binding: str):
    """The schema opened directly (to seed and check) and through a fault proxy (for the consumer), and a
    subscription recording one effect row per handled event."""
    direct, effects = await open_database(database_url, schema)
    proxy = FaultProxy.for_url(database_url, 5432)
    await proxy.start()
    proxied, _ = await open_database(proxy.rewrite(database_url), schema)
    broker = await open_broker(amqp_url)

    async def handler(event, uow):
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    return direct, effects, proxy, proxied, broker, EventSubscription(queue, [binding], handler)


async def test_cut_and_delayed_database_parks_nothing_and_handles_each_event_once(database_url, amqp_url, topic):
    direct, effects, proxy, proxied, broker, subscription = await _through_a_proxy(
        database_url, amqp_url, "bus_outage", topic.queue("outage"), topic.binding)
    queue = subscription.queue
    consumer = EventConsumer(broker, proxied, subscription, prefetch=64, delivery_limit=5, attempts=3)
    await consumer.start()
    ids: list[str] = []
    for start in range(0, EVENTS, 100):
        async with direct.unit_of_work() as uow:
            ids += [uow.emit(topic.event, subject=f"agg-{i % 40}", data={"n": i}, region="east").id
                    for i in range(start, start + 100)]
    relay = OutboxRelay(direct, broker)
    while await relay.drain_once():
        pass

    async def some_handled() -> bool:
        return await _count(direct, effects) >= 100

    await eventually(some_handled, what="the consumer under way")
    # mid-stream: every connection of the consumer dropped and refused for three seconds
    await proxy.cut()
    await asyncio.sleep(3)
    assert not consumer.consuming  # it noticed, and says so to readiness
    proxy.restore()
    # then a slow network: every packet 50 ms late
    proxy.delay = 0.05
    await asyncio.sleep(1)
    proxy.delay = 0.0

    async def all_handled() -> bool:
        return await _count(direct, direct.tables.inbox) == EVENTS

    await eventually(all_handled, within=120, what="every event handled after the outage")
    assert consumer.database_gate.outages >= 1
    assert sorted(await _effects(direct, effects)) == sorted(ids)  # each exactly once
    assert await broker.queue_depth(queue + ".dlq") == 0
    assert consumer.consuming
    await consumer.stop()
    await broker.close()
    await proxied.close()
    await proxy.stop()
    await direct.close()


async def test_one_bad_event_in_a_window_is_parked_alone(database_url, amqp_url, topic):
    db, effects = await open_database(database_url, "bus_window")
    broker = await open_broker(amqp_url)
    queue = topic.queue("window")

    async def handler(event, uow):
        if event.data.get("bad"):
            raise PermanentError("this one breaks a rule")
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    async with db.unit_of_work() as uow:
        for i in range(60):
            uow.emit(topic.event, subject=f"agg-{i}", data={"bad": i == 30}, region="east")
    # published before the consumer starts, so its windows are full ones
    await broker.declare_work_queue(queue, [topic.binding], 5)
    await OutboxRelay(db, broker).drain_once()
    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=40, delivery_limit=5, attempts=3)
    await consumer.start()

    async def handled_and_parked() -> bool:
        return await _count(db, effects) == 59 and await broker.queue_depth(queue + ".dlq") == 1

    await eventually(handled_and_parked, what="59 handled, the bad one parked")
    assert len(set(await _effects(db, effects))) == 59
    await consumer.stop()
    await broker.close()
    await db.close()


async def test_stopping_during_an_outage_leaves_held_messages_to_the_broker(database_url, amqp_url, topic):
    direct, effects, proxy, proxied, broker, subscription = await _through_a_proxy(
        database_url, amqp_url, "bus_stop_outage", topic.queue("stop-outage"), topic.binding)
    queue = subscription.queue
    consumer = EventConsumer(broker, proxied, subscription, prefetch=10, delivery_limit=5, attempts=3)
    await consumer.start()
    await proxy.cut()
    async with direct.unit_of_work() as uow:
        for i in range(20):
            uow.emit(topic.event, subject=f"agg-{i}", data={}, region="east")
    await OutboxRelay(direct, broker).drain_once()

    async def holding() -> bool:
        return not consumer.consuming

    await eventually(holding, what="the consumer holding for the database")
    await asyncio.wait_for(consumer.stop(), 10)  # returns at once, without the database
    proxy.restore()
    successor = EventConsumer(broker, direct, subscription, prefetch=10, delivery_limit=5, attempts=3)
    await successor.start()

    async def all_handled() -> bool:
        return await _count(direct, effects) == 20

    await eventually(all_handled, what="the held events handled by the next consumer")
    assert await broker.queue_depth(queue + ".dlq") == 0
    await successor.stop()
    await broker.close()
    await proxied.close()
    await proxy.stop()
    await direct.close()
