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
