"""A real restart of RabbitMQ or PostgreSQL while events flow loses nothing, doubles nothing and parks
nothing: the relay resumes publishing, the consumer waits the outage out and resumes consuming.

The servers restarted are private ones started by the test (testing.private_servers), never the shared
servers other runs use."""


import pytest
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.bus.topology import parking_queue
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from aftercare_platform.testing.infra import create_database
from aftercare_platform.testing.private_servers import PrivatePostgres, PrivateRabbitMQ
from sqlalchemy import func, insert, select

from .conftest import eventually

TOTAL = 3000


@pytest.fixture(scope="module")
def private_rabbitmq():
    node = PrivateRabbitMQ()
    node.start()
    yield node
    node.close()


@pytest.fixture(scope="module")
def private_postgres():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.close()


async def _count(db, query) -> int:
    async with db.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def _flow(database_url: str, amqp_url: str, topic, schema: str):
    """TOTAL events committed to the outbox, a relay publishing them slowly, a consumer recording one
    effect row per handled event."""
    db, effects = await open_database(database_url, schema)
    broker = await open_broker(amqp_url, "restart-consumer")
    relay_broker = await open_broker(amqp_url, "restart-relay")
    queue = topic.queue("restart")

    async def handler(event, uow):
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=50, delivery_limit=5, attempts=3)
    await consumer.start()
    for start in range(0, TOTAL, 500):
        async with db.unit_of_work() as uow:
            for i in range(start, start + 500):
                uow.emit(topic.event, subject=f"agg-{i % 97}", data={"n": i}, region="east")
    relay = OutboxRelay(db, relay_broker, batch_size=50, poll_interval=0.5, parallel_partitions=1)
    return db, effects, broker, relay_broker, relay, consumer, queue


async def _everything_handled_once(db, effects, broker, relay_broker, relay, consumer, queue) -> None:
    async def every_event_handled() -> bool:
        return await _count(db, select(func.count(func.distinct(effects.c.event_id)))) == TOTAL

    await eventually(every_event_handled, within=180, what=f"all {TOTAL} events handled after the restart")
    outbox = db.tables.outbox
    assert await _count(db, select(func.count()).select_from(outbox)) == 0  # every row published and deleted
    assert await _count(db, select(func.count()).select_from(effects)) == TOTAL  # no second effect
    assert await broker.queue_depth(parking_queue(queue)) == 0, "an event was parked"
    await relay.stop()
    await consumer.stop()
    await broker.close()
    await relay_broker.close()
    await db.close()


async def _sent(db) -> int:
    """Published: the relay deletes a row once the broker confirmed it."""
    return TOTAL - await _count(db, select(func.count()).select_from(db.tables.outbox))


async def test_rabbitmq_restart_during_publishing_loses_nothing(database_url, private_rabbitmq, topic):
    flow = await _flow(database_url, private_rabbitmq.url, topic, "bus_restart")
    db, relay = flow[0], flow[4]
    await relay.start()
    await eventually(lambda: _above(lambda: _sent(db), 0), what="publishing under way")
    await private_rabbitmq.arestart(down_seconds=1)
    assert await _sent(db) < TOTAL, "publishing finished before the restart; the test proved nothing"
    await _everything_handled_once(*flow)


async def test_postgres_restart_under_load_parks_nothing(private_postgres, amqp_url, topic):
    _, database_url = await create_database(private_postgres.admin_url, "aftercare_restart")
    flow = await _flow(database_url, amqp_url, topic, "db_restart")
    db, effects, relay = flow[0], flow[1], flow[4]
    await relay.start()
    await eventually(lambda: _above(lambda: _count(db, select(func.count()).select_from(effects)), 100),
                     what="consuming under way")
    await private_postgres.arestart(down_seconds=0.5)
    assert await _sent(db) < TOTAL or await _count(db, select(func.count()).select_from(effects)) < TOTAL, \
        "everything was handled before the restart; the test proved nothing"
    await _everything_handled_once(*flow)


async def _above(counter, floor: int) -> bool:
    return await counter() > floor
