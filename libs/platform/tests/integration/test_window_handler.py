"""A window handler gets a window's fresh events at once, in one transaction, and writes them together; a
window that fails is handled again one event at a time, so only the bad event is parked."""

import pytest
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription, PermanentError
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import func, insert, select

from .conftest import eventually


async def window_bus(database_url: str, amqp_url: str, topic, purpose: str):
    """A database, a broker, the test's queue declared, and a window handler writing a window's rows with one
    statement (a window holding a poisoned event fails), recording each call's event ids in `calls`."""
    db, effects = await open_database(database_url, f"bus_{purpose.replace('-', '_')}")
    broker = await open_broker(amqp_url)
    queue = topic.queue(purpose)
    await broker.declare_work_queue(queue, [topic.binding], 5)
    calls: list[list[str]] = []

    async def write_all(events, uow):
        calls.append([event.id for event in events])
        await uow.connection.execute(insert(effects), [{"event_id": e.id, "consumer": queue} for e in events])
        if any(e.data.get("poison") for e in events):
            raise PermanentError("this payload breaks a rule")

    return db, effects, broker, queue, calls, write_all


async def test_window_handler_writes_each_fresh_event_once_in_windows(database_url, amqp_url, topic):
    db, effects, broker, queue, calls, write_all = await window_bus(database_url, amqp_url, topic, "window")
    # everything is in the queue before the consumer starts, so the windows fill up
    async with db.unit_of_work() as uow:
        emitted = [uow.emit(topic.event, subject=f"s{n % 7}", data={"n": n}, region="east") for n in range(300)]
    already = emitted[10]
    async with db.unit_of_work() as uow:  # handled before (a redelivery): the inbox knows it
        assert await uow.claim_inbox(queue, already)
    await OutboxRelay(db, broker).drain_once()
    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], window_handler=write_all),
                             prefetch=200, delivery_limit=5, attempts=3)
    await consumer.start()

    async def written() -> list[str]:
        async with db.engine.connect() as connection:
            return list((await connection.execute(select(effects.c.event_id))).scalars())

    async def all_written() -> bool:
        return len(await written()) == 299

    await eventually(all_written, what="the 299 fresh events written")
    assert sorted(await written()) == sorted(e.id for e in emitted if e is not already)
    handed = [event_id for call in calls for event_id in call]
    assert already.id not in handed and len(handed) == len(set(handed)) == 299
    assert max(len(call) for call in calls) > 1, calls  # windows, not one event at a time
    # one subject's events reach the handler in the order they were emitted
    order = {e.id: n for n, e in enumerate(emitted)}
    for subject in {e.subject for e in emitted}:
        seen = [order[i] for i in handed if emitted[order[i]].subject == subject]
        assert seen == sorted(seen)
    await consumer.stop()
    assert await broker.queue_depth(queue) == 0
    await broker.close()
    await db.close()


async def test_a_failing_window_is_handled_one_event_at_a_time_and_only_the_bad_one_parked(
        database_url, amqp_url, topic):
    db, effects, broker, queue, calls, write_all = await window_bus(database_url, amqp_url, topic, "window-fail")
    async with db.unit_of_work() as uow:
        emitted = [uow.emit(topic.event, subject=f"s{n}", data={"poison": n == 4}, region="east") for n in range(9)]
    await OutboxRelay(db, broker).drain_once()
    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], window_handler=write_all),
                             prefetch=20, delivery_limit=5, attempts=3, workers=1)
    await consumer.start()

    async def settled() -> bool:
        async with db.engine.connect() as connection:
            count = (await connection.execute(select(func.count()).select_from(effects))).scalar_one()
        return count == 8 and await broker.queue_depth(queue + ".dlq") == 1

    await eventually(settled, what="the eight good events written and the poisoned one parked")
    async with db.engine.connect() as connection:
        kept = set((await connection.execute(select(effects.c.event_id))).scalars())
    # the failed window's writes were rolled back; each event then wrote once, alone
    assert kept == {e.id for n, e in enumerate(emitted) if n != 4}
    failed = next(n for n, call in enumerate(calls) if emitted[4].id in call)
    assert len(calls[failed]) > 1, calls
    # then each of that window's events alone, in order
    assert calls[failed + 1:failed + 1 + len(calls[failed])] == [[event_id] for event_id in calls[failed]]
    await consumer.stop()
    await broker.close()
    await db.close()


def test_a_subscription_takes_one_kind_of_handler():
    async def one(event, uow):
        pass

    async def window(events, uow):
        pass

    with pytest.raises(ValueError, match="one of the two"):
        EventSubscription("svc.both", ["x.#"], one, window_handler=window)
    with pytest.raises(ValueError, match="one of the two"):
        EventSubscription("svc.none", ["x.#"])
