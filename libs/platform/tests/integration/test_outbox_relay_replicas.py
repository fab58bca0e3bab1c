"""A relay in the process means its commits send no NOTIFY: the relay is woken in process, and a partition
another replica's relay holds is looked at again until it is free (real PostgreSQL and RabbitMQ)."""

import asyncio
import zlib

from aftercare_platform.db.engine import create_engine
from aftercare_platform.outbox.listener import PgListener
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import text

from .conftest import eventually


async def _depth_equals(broker, queue, depth) -> bool:
    return await broker.queue_depth(queue) == depth


async def test_a_commit_notifies_the_other_processes_only_when_this_one_runs_no_relay(
        database_url, amqp_url, topic):
    db, _ = await open_database(database_url, "bus_quiet", partitions=4)
    heard = asyncio.Event()
    listener = PgListener(database_url, db.notify_channel, heard.set, own="another-process")  # hears this one
    await listener.start()
    await eventually(lambda: asyncio.sleep(0, result=heard.is_set()), within=10, what="the listener connected")
    heard.clear()
    broker = await open_broker(amqp_url)
    relay = OutboxRelay(db, broker, poll_interval=60)
    await relay.start()
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="agg-1", data={"n": 1}, region="east")
    await asyncio.sleep(1)  # a NOTIFY would have arrived by now
    assert not heard.is_set()

    await relay.stop()  # no relay in this process any more: the other processes' relays are told
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="agg-1", data={"n": 2}, region="east")
    await eventually(lambda: asyncio.sleep(0, result=heard.is_set()), within=10, what="the NOTIFY of a commit")
    await listener.stop()
    await broker.close()
    await db.close()


async def test_a_partition_another_relay_holds_is_drained_once_it_lets_go_without_a_notify_or_the_poll(
        database_url, amqp_url, topic):
    """Another replica's relay holds every partition (its lock, as its pass does) when this process commits:
    this relay finds them held, looks again shortly, and publishes once they are free (its poll is a minute)."""
    db, _ = await open_database(database_url, "bus_held", partitions=4)
    broker = await open_broker(amqp_url)
    queue = topic.queue("held")
    await broker.declare_work_queue(queue, [topic.binding], 5)
    relay = OutboxRelay(db, broker, poll_interval=60)
    await relay.start()
    await relay.drain_once()
    lock_key = zlib.crc32(b"outbox:bus_held") & 0x7FFFFFFF
    other_replica = create_engine(database_url, "bus_held")
    async with other_replica.connect() as connection:
        holding = await connection.begin()
        for partition in range(db.partitions):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:k, :p)"), {"k": lock_key, "p": partition})
        async with db.unit_of_work() as uow:
            for n in range(5):
                uow.emit(topic.event, subject=f"agg-{n}", data={"n": n}, region="east")
        await asyncio.sleep(0.5)
        assert await broker.queue_depth(queue) == 0  # held: nothing published yet
        await holding.rollback()  # the other relay's pass ends, having seen none of these rows
    await eventually(lambda: _depth_equals(broker, queue, 5), within=5, what="the held partitions drained")
    await other_replica.dispose()
    await relay.stop()
    await broker.close()
    await db.close()
