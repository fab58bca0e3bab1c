"""Windows run side by side, yet one aggregate's events (one subject) are applied in the order the outbox sent them."""

import asyncio

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database

from .conftest import eventually


async def test_a_slow_event_is_not_overtaken_by_the_next_event_of_its_subject(database_url, amqp_url, topic):
    db, _ = await open_database(database_url, "bus_order")
    broker = await open_broker(amqp_url)
    queue = topic.queue("order")
    applied: list[tuple[str, int]] = []
    other_applied = asyncio.Event()

    async def handler(event, uow):
        if event.subject == "case-1" and event.data["n"] == 1:
            # the first event of case-1 is slow; a free worker meanwhile takes the next window
            await asyncio.wait_for(other_applied.wait(), timeout=5)
        applied.append((event.subject, event.data["n"]))
        if event.subject == "other":
            other_applied.set()

    # one event per window, two windows at a time
    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=8, delivery_limit=5, attempts=3, batch_size=1, workers=2)
    await consumer.start()
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="case-1", data={"n": 1}, region="east")
        uow.emit(topic.event, subject="case-1", data={"n": 2}, region="east")
        uow.emit(topic.event, subject="other", data={"n": 1}, region="east")
        uow.emit(topic.event, subject="case-1", data={"n": 3}, region="east")
    await OutboxRelay(db, broker).drain_once()

    async def all_applied() -> bool:
        return len(applied) == 4

    await eventually(all_applied, what="the four events applied")
    assert [n for subject, n in applied if subject == "case-1"] == [1, 2, 3]
    # another subject is not held back by case-1's slow event
    assert applied.index(("other", 1)) < applied.index(("case-1", 1))
    await consumer.stop()
    await broker.close()
    await db.close()


async def test_windows_filling_side_by_side_keep_their_subjects_order(database_url, amqp_url, topic):
    """Two free workers linger to fill their windows while a third is busy; the later window may fill first.
    It must still apply after the earlier one holding the same subject."""
    db, _ = await open_database(database_url, "bus_order_fill")
    broker = await open_broker(amqp_url)
    queue = topic.queue("orderfill")
    applied: list[tuple[str, int]] = []
    busy, release = asyncio.Event(), asyncio.Event()

    async def handler(event, uow):
        if event.subject == "busy":
            busy.set()
            await asyncio.wait_for(release.wait(), timeout=10)
        applied.append((event.subject, event.data["n"]))

    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=8, delivery_limit=5, attempts=3, batch_size=2, workers=3, linger=2.0)
    await consumer.start()
    relay = OutboxRelay(db, broker)

    async def publish(subject: str, n: int) -> None:
        async with db.unit_of_work() as uow:
            uow.emit(topic.event, subject=subject, data={"n": n}, region="east")
        await relay.drain_once()

    await publish("busy", 0)
    await asyncio.wait_for(busy.wait(), timeout=10)
    # one event at a time: the first free worker lingers with n=1, the second takes n=2, and n=3 fills one
    for n in (1, 2, 3):
        await publish("case-1", n)
        await asyncio.sleep(0.2)
    release.set()

    async def all_applied() -> bool:
        return len(applied) == 4

    await eventually(all_applied, what="the four events applied")
    assert [n for subject, n in applied if subject == "case-1"] == [1, 2, 3]
    await consumer.stop()
    await broker.close()
    await db.close()
