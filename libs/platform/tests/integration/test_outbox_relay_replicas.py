"""A relay in the process means its commits send no NOTIFY: the relay is woken in process, and a partition
another replica's relay holds is looked at again until it is free (real PostgreSQL and RabbitMQ)."""

import asyncio
import zlib

from aftercare_platform.db.engine import create_engine
from aftercare_platform.outbox.listener import PgListener
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import text

from .conftest import eventually, open_bus


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
    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_held", "held", partitions=4)
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


async def test_a_pass_over_several_partitions_is_one_transaction_and_skips_only_the_one_held(
        database_url, amqp_url, topic):
    """The partitions a pass drains are taken by one statement, each under its own lock: a partition another
    replica holds is left (and looked at again), the others are deleted by that statement and published before
    the transaction commits: one statement between BEGIN and COMMIT."""
    from sqlalchemy import event

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_group", "group", partitions=4)
    subjects = {}
    for n in range(40):  # one aggregate for each partition
        subjects.setdefault(zlib.crc32(f"agg-{n}".encode()) % db.partitions, f"agg-{n}")
    assert len(subjects) == db.partitions
    async with db.unit_of_work() as uow:
        for subject in subjects.values():
            uow.emit(topic.event, subject=subject, data={"s": subject}, region="east")
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda c, cur, s, *rest: statements.append(s))
    lock_key = zlib.crc32(b"outbox:bus_group") & 0x7FFFFFFF
    other_replica = create_engine(database_url, "bus_group")
    relay = OutboxRelay(db, broker, poll_interval=60)
    async with other_replica.connect() as connection:
        holding = await connection.begin()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:k, :p)"), {"k": lock_key, "p": 2})
        published, full, busy = await relay._drain(frozenset(range(db.partitions)))
        await holding.rollback()
    assert (published, full, busy) == (db.partitions - 1, frozenset(), frozenset({2}))
    assert len(statements) == 1
    assert "pg_try_advisory_xact_lock" in statements[0] and "DELETE FROM" in statements[0]
    assert await relay.drain_once() == 1  # partition 2, once free
    await eventually(lambda: _depth_equals(broker, queue, db.partitions), within=5, what="every event published")
    await other_replica.dispose()
    await broker.close()
    await db.close()


async def test_commits_that_come_while_a_pass_is_due_share_the_next_pass(database_url, amqp_url, topic):
    """Passes start at most every `coalesce_seconds`: the commits of that time are read by one statement."""
    from sqlalchemy import event

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_coalesce", "coalesce", partitions=4)
    relay = OutboxRelay(db, broker, poll_interval=60, coalesce_seconds=3.0)
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="first", data={}, region="east")
    await relay.start()
    await eventually(lambda: _depth_equals(broker, queue, 1), within=5, what="the first pass")
    reads: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda c, cur, s, *rest: reads.append(s) if "pg_try_advisory_xact_lock" in s else None)
    for n in range(3):  # well inside the three seconds the next pass waits for
        async with db.unit_of_work() as uow:
            uow.emit(topic.event, subject=f"later-{n}", data={}, region="east")
    await eventually(lambda: _depth_equals(broker, queue, 4), within=10, what="the later commits published")
    assert len(reads) == 1
    await relay.stop()
    await broker.close()
    await db.close()
