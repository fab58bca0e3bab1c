"""The outbox → broker → consumer path on real PostgreSQL and RabbitMQ."""

import json
import signal

from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import func, select

from .conftest import eventually, open_bus


async def count(db, table, *where) -> int:
    async with db.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one())


async def test_event_has_one_effect_in_another_process_despite_relay_kill_and_redelivery(
    database_url, amqp_url, spawn, topic
):
    schema, queue = "bus_once", topic.queue("exactly-once")
    db, effects = await open_database(database_url, schema, partitions=4)
    consumer = await spawn("consumer_proc.py", database_url, schema, amqp_url, queue, topic.binding,
                           "kill-before-first-ack")
    await consumer.wait_ready()
    async with db.unit_of_work() as uow:
        ids = [uow.emit(topic.event, subject=f"agg-{i}", data={"n": i}, region="east").id for i in range(40)]

    # the relay publishes one partition's batch and is killed before marking it sent
    crashing = await spawn("relay_proc.py", database_url, schema, amqp_url, "crash-after-publish")
    assert await crashing.process.wait() == -signal.SIGKILL
    assert await count(db, db.tables.outbox, db.tables.outbox.c.sent_at.is_(None)) == 40
    # the consumer commits its first effect and is killed before acking: the broker redelivers
    assert await consumer.process.wait() == -signal.SIGKILL
    assert await count(db, effects) >= 1  # prefetch lets a few commit before the first ack

    relay = await spawn("relay_proc.py", database_url, schema, amqp_url)
    await relay.wait_ready()
    consumer = await spawn("consumer_proc.py", database_url, schema, amqp_url, queue, topic.binding)
    await consumer.wait_ready()

    async def all_sent_and_handled() -> bool:
        return (await count(db, db.tables.outbox, db.tables.outbox.c.sent_at.is_(None)) == 0
                and await count(db, db.tables.inbox) == 40)

    await eventually(all_sent_and_handled, what="every event sent and handled")
    broker = await open_broker(amqp_url)
    await eventually(lambda: _drained(broker, queue), what="queue drained of duplicates")
    async with db.engine.connect() as connection:
        handled = (await connection.execute(select(effects.c.event_id))).scalars().all()
    assert sorted(handled) == sorted(ids)
    await broker.close()
    await db.close()


async def _drained(broker, queue) -> bool:
    return await broker.queue_depth(queue) == 0


async def test_rolled_back_transaction_publishes_nothing(database_url, amqp_url, topic):
    db, _ = await open_database(database_url, "bus_rollback")
    broker = await open_broker(amqp_url)
    await broker.declare_work_queue(topic.queue("rollback"), [topic.binding], 5)
    try:
        async with db.unit_of_work() as uow:
            uow.emit(topic.event, subject="agg-1", data={}, region="east")
            raise RuntimeError("the handler fails after emitting")
    except RuntimeError:
        pass
    assert await count(db, db.tables.outbox) == 0
    assert await OutboxRelay(db, broker).drain_once() == 0
    assert await broker.queue_depth(topic.queue("rollback")) == 0
    await broker.close()
    await db.close()


async def test_one_aggregates_events_keep_their_order_with_two_relays(database_url, amqp_url, topic):
    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_order", "order", partitions=4)
    for batch in range(10):
        async with db.unit_of_work() as uow:
            for i in range(30):
                uow.emit(topic.event, subject=f"agg-{i % 3}", data={"seq": batch * 30 + i}, region="east")
    first, second = OutboxRelay(db, broker, batch_size=7), OutboxRelay(db, broker, batch_size=5)
    await first.start()
    await second.start()
    await eventually(lambda: _depth_is(broker, queue, 300), what="300 events on the queue")
    await first.stop()
    await second.stop()
    seen: dict[str, list[int]] = {}
    import json
    while (delivery := await broker.get(queue)) is not None:
        body = json.loads(delivery.body)
        seen.setdefault(body["subject"], []).append(body["data"]["seq"])
        await delivery.ack()
    assert sum(len(v) for v in seen.values()) == 300  # none duplicated
    for subject, sequence in seen.items():
        assert sequence == sorted(sequence), f"{subject} reordered"
    await broker.close()
    await db.close()


async def _depth_is(broker, queue, n) -> bool:
    return await broker.queue_depth(queue) >= n


async def test_a_relay_publishes_nothing_while_its_service_holds_it_back(database_url, amqp_url, topic):
    import asyncio

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_yield", "yield")
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="agg-1", data={"n": 1}, region="east")
    free = asyncio.Event()
    held = []

    async def hold_while_busy() -> None:
        held.append(True)
        await free.wait()

    relay = OutboxRelay(db, broker, yield_to=hold_while_busy)
    draining = asyncio.create_task(relay.drain_once())
    await eventually(lambda: asyncio.sleep(0, result=bool(held)), within=10, what="the relay to ask first")
    await asyncio.sleep(0.3)
    assert not draining.done() and await broker.queue_depth(queue) == 0  # held back: nothing published
    free.set()
    assert await draining == 1
    await eventually(lambda: _depth_equals(broker, queue, 1), within=10, what="the event to be published")
    await broker.close()
    await db.close()


async def _depth_equals(broker, queue, depth) -> bool:
    return await broker.queue_depth(queue) == depth


async def test_a_commit_on_another_thread_of_the_process_wakes_the_relay_without_notify(
    database_url, amqp_url, topic
):
    """sla-timer fires on a thread of its own and NOTIFYs at most once a second: its own relay is woken in
    process. Here the relay would otherwise sleep a minute (its poll) and no NOTIFY is sent."""
    import asyncio
    import threading

    from aftercare_platform.bus.envelope import CloudEvent
    from aftercare_platform.db.engine import create_engine
    from aftercare_platform.db.unit_of_work import outbox_row

    db, _ = await open_database(database_url, "bus_thread_wake")
    broker = await open_broker(amqp_url)
    queue = topic.queue("thread-wake")
    await broker.declare_work_queue(queue, [topic.binding], 5)
    relay = OutboxRelay(db, broker, poll_interval=60)
    await relay.start()
    await relay.drain_once()  # the relay now waits for a wake

    async def write_quietly() -> None:
        engine = create_engine(database_url, "bus_thread_wake")
        event = CloudEvent(type=topic.event, source="/tests", subject="agg-1", region="east", data={"n": 1})
        async with engine.begin() as connection:
            await connection.execute(db.tables.outbox.insert(), [outbox_row(event, "agg-1", db.partitions, {})])
        await engine.dispose()
        db.outbox_written()  # from this thread, as the firing thread does after its commit

    writer = threading.Thread(target=asyncio.run, args=(write_quietly(),))
    writer.start()
    await asyncio.to_thread(writer.join)
    await eventually(lambda: _depth_equals(broker, queue, 1), within=10, what="the event to be published")
    await relay.stop()
    await broker.close()
    await db.close()


async def test_the_relay_skips_its_own_process_notify_but_wakes_on_another_processes(database_url):
    """Its own commits woke it in process already: their NOTIFY (signed with the process's origin) would
    only cost a second pass. Another process's NOTIFY still wakes it."""
    import asyncio

    from aftercare_platform.outbox.listener import PgListener
    from sqlalchemy import text

    db, _ = await open_database(database_url, "bus_own_notify")
    wake = asyncio.Event()
    listener = PgListener(database_url, db.notify_channel, wake.set, own=db.origin)
    await listener.start()
    await eventually(lambda: asyncio.sleep(0, result=wake.is_set()), within=10, what="the wake on connecting")
    wake.clear()

    async def notify(payload: str) -> None:
        async with db.engine.begin() as connection:
            await connection.execute(text("SELECT pg_notify(:c, :p)"), {"c": db.notify_channel, "p": payload})

    await notify(db.origin)
    for _ in range(10):  # a second's chance to (wrongly) wake
        await asyncio.sleep(0.1)
        assert not wake.is_set()
    await notify("another-process")
    await eventually(lambda: asyncio.sleep(0, result=wake.is_set()), within=10, what="another process's wake")
    await listener.stop()
    await db.close()


async def test_a_commit_woken_relay_drains_its_partitions_past_one_batch_without_waiting_for_the_poll(
        database_url, amqp_url, topic):
    """This process's commit names its partitions, and the relay drains just those (no query for the rest):
    a batch that came back full is followed by the next one at once, not by the next poll a minute away."""
    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_hinted", "hinted", partitions=4)
    relay = OutboxRelay(db, broker, batch_size=10, poll_interval=60)
    await relay.start()
    await relay.drain_once()  # the relay now waits for a wake
    async with db.unit_of_work() as uow:
        for n in range(25):
            uow.emit(topic.event, subject="agg-1", data={"n": n}, region="east")
    await eventually(lambda: _depth_equals(broker, queue, 25), within=10, what="all three batches published")
    await relay.stop()
    await broker.close()
    await db.close()


async def test_a_pass_reads_a_backlogged_partition_again_at_once_up_to_its_rounds(database_url, amqp_url, topic):
    """A lane whose partitions gave full batches reads them again at once, not after the pass's other lanes: one
    pass takes up to LANE_ROUNDS batches of a backlog (here 8 of 5), the next pass the rest."""
    from aftercare_platform.outbox.relay import LANE_ROUNDS

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_rounds", "rounds", partitions=4)
    relay = OutboxRelay(db, broker, batch_size=5, poll_interval=60)
    async with db.unit_of_work() as uow:
        for n in range(5 * LANE_ROUNDS + 10):
            uow.emit(topic.event, subject="agg-1", data={"n": n}, region="east")
    assert await relay.drain_once() == 5 * LANE_ROUNDS
    assert await relay.drain_once() == 10
    await eventually(lambda: _depth_equals(broker, queue, 5 * LANE_ROUNDS + 10), within=10, what="all on the queue")
    await broker.close()
    await db.close()


async def test_another_processes_notify_has_the_relay_look_in_every_partition(database_url, amqp_url, topic):
    """Rows another process committed are not among this process's partitions: its NOTIFY has the relay
    look everywhere, even while this process's own commits keep naming one partition."""
    from aftercare_platform.bus.envelope import CloudEvent
    from aftercare_platform.db.engine import create_engine
    from aftercare_platform.db.unit_of_work import outbox_row
    from sqlalchemy import text

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_foreign", "foreign", partitions=16)
    relay = OutboxRelay(db, broker, poll_interval=60)
    await relay.start()
    await relay.drain_once()
    foreign = [CloudEvent(type=topic.event, source="/tests", subject=f"other-{n}", region="east", data={"n": n})
               for n in range(8)]
    engine = create_engine(database_url, "bus_foreign")  # as another process: no in-process wake
    async with engine.begin() as connection:
        await connection.execute(db.tables.outbox.insert(),
                                 [outbox_row(event, event.subject, db.partitions, {}) for event in foreign])
        await connection.execute(text("SELECT pg_notify(:c, 'another-process')"), {"c": db.notify_channel})
    await engine.dispose()
    async with db.unit_of_work() as uow:  # and this process's own commit, to one partition
        uow.emit(topic.event, subject="agg-1", data={"n": 99}, region="east")
    await eventually(lambda: _depth_equals(broker, queue, 9), within=10, what="every partition's events published")
    await relay.stop()
    await broker.close()
    await db.close()


async def test_a_stopping_relay_publishes_what_committed_before_it_stopped(database_url, amqp_url, topic):
    """The last requests a service answers before SIGTERM commit their events while the relay may be mid-pass or
    coalescing: they are published on the way out, not when a relay next starts. Here they were written with no
    wake and no NOTIFY, and the relay's poll is a minute away."""
    import asyncio

    from aftercare_platform.bus.envelope import CloudEvent
    from aftercare_platform.db.unit_of_work import outbox_row

    db, broker, queue = await open_bus(database_url, amqp_url, topic, "bus_final_pass", "final-pass", partitions=4)
    relay = OutboxRelay(db, broker, poll_interval=60, batch_size=3)
    await relay.start()
    await relay.drain_once()
    await asyncio.sleep(0.5)  # its own first passes are over: it waits for a wake that never comes
    events = [CloudEvent(type=topic.event, source="/tests", subject=f"agg-{n}", region="east", data={"n": n})
              for n in range(10)]
    async with db.engine.begin() as connection:
        await connection.execute(db.tables.outbox.insert(),
                                 [outbox_row(event, event.subject, db.partitions, {}) for event in events])
    await asyncio.sleep(0.5)
    assert await count(db, db.tables.outbox, db.tables.outbox.c.sent_at.is_(None)) == 10  # the relay is idle
    await relay.stop()
    assert await count(db, db.tables.outbox, db.tables.outbox.c.sent_at.is_(None)) == 0
    await eventually(lambda: _depth_equals(broker, queue, 10), within=10, what="every event on the queue")
    await broker.close()
    await db.close()


async def test_the_relay_deletes_what_the_broker_confirmed_and_prunes_what_an_older_relay_marked_sent(
    database_url, amqp_url, topic
):
    """The outbox holds unsent rows only. A relay of before platform revision p0002 (still running during a
    rolling upgrade) marked its rows sent instead: they are never published again, and the hourly prune
    deletes them."""
    from datetime import timedelta

    from aftercare_platform.bus.envelope import CloudEvent
    from aftercare_platform.clock import FakeClock
    from aftercare_platform.db.unit_of_work import outbox_row

    clock = FakeClock()
    db, _ = await open_database(database_url, "bus_sent_rows", clock=clock, partitions=4)
    broker = await open_broker(amqp_url)
    queue = topic.queue("sent-rows")
    await broker.declare_work_queue(queue, [topic.binding], 5)
    older = [CloudEvent(type=topic.event, source="/tests", subject=f"old-{n}", region="east", data={"n": n})
             for n in range(3)]
    async with db.engine.begin() as connection:
        await connection.execute(db.tables.outbox.insert(), [
            {**outbox_row(event, event.subject, db.partitions, {}), "sent_at": clock.now()} for event in older])
    async with db.unit_of_work() as uow:
        for n in range(5):
            uow.emit(topic.event, subject=f"agg-{n}", data={"n": n}, region="east")

    relay = OutboxRelay(db, broker, poll_interval=0.05)
    await relay.start()
    await eventually(lambda: _depth_equals(broker, queue, 5), within=10, what="the five unsent events published")
    assert await count(db, db.tables.outbox) == 3, "published rows deleted; the older relay's sent rows untouched"
    clock.advance(timedelta(hours=1, seconds=1))

    async def pruned() -> bool:
        return await count(db, db.tables.outbox) == 0

    await eventually(pruned, within=10, what="the older relay's sent rows pruned")
    await relay.stop()
    assert await broker.queue_depth(queue) == 5, "nothing published twice"
    await broker.close()
    await db.close()


async def test_a_row_the_broker_refuses_stays_as_it_was_with_its_attempt_counted(any_database_url, amqp_url, topic):
    """The relay takes a batch (on PostgreSQL by deleting it, committed once confirmed). A row the broker refuses
    stays for the next pass, same id, same envelope and created_at, its attempt and error kept; the rest are gone
    and are not published again."""
    from aftercare_platform.bus.ports import PublishFailed

    db, _ = await open_database(any_database_url, "bus_refused", partitions=1)
    broker = await open_broker(amqp_url)
    queue = topic.queue("refused")
    await broker.declare_work_queue(queue, [topic.binding], 5)
    async with db.unit_of_work() as uow:
        ids = [uow.emit(topic.event, subject="agg", data={"n": n, "big": 2**70 + 1}, region="east").id
               for n in range(3)]
    outbox = db.tables.outbox
    async with db.engine.connect() as connection:
        before = (await connection.execute(select(outbox).where(outbox.c.event_id == ids[1]))).one()._mapping

    class RefusingBroker:
        def __getattr__(self, name):
            return getattr(broker, name)

        async def publish_many(self, messages):
            kept = [m for m in messages if m.message_id != ids[1]]
            outcomes = iter(await broker.publish_many(kept))
            return [PublishFailed("refused: test") if m.message_id == ids[1] else next(outcomes) for m in messages]

    refusing = OutboxRelay(db, RefusingBroker(), poll_interval=60)
    try:
        await refusing.drain_once()
        raise AssertionError("a refused publish is reported")
    except PublishFailed:
        pass
    async with db.engine.connect() as connection:
        left = (await connection.execute(select(outbox))).all()
    assert [row.event_id for row in left] == [ids[1]]
    after = left[0]._mapping
    assert (after["attempts"], after["last_error"]) == (1, "refused: test")
    assert {k: after[k] for k in before if k not in ("attempts", "last_error")} == \
        {k: before[k] for k in before if k not in ("attempts", "last_error")}
    await eventually(lambda: _depth_equals(broker, queue, 2), within=5, what="the two confirmed events published")

    assert await OutboxRelay(db, broker, poll_interval=60).drain_once() == 1
    await eventually(lambda: _depth_equals(broker, queue, 3), within=5, what="the refused event, on the next pass")
    assert await count(db, outbox) == 0
    published = []
    while (delivery := await broker.get(queue)) is not None:
        published.append(json.loads(delivery.body))
        await delivery.ack()
    assert [e["id"] for e in published] == [ids[0], ids[2], ids[1]]
    assert all(e["data"]["big"] == 2**70 + 1 for e in published), "a number past 64 bits published as it was"
    await broker.close()
    await db.close()
