"""A broker restart while the relay is publishing loses no event: the relay resumes."""

import asyncio
import shutil

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import func, insert, select

from .conftest import eventually

TOTAL = 3000


async def rabbitmqctl(*args: str) -> None:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    process = await asyncio.create_subprocess_exec(ctl, *args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, f"rabbitmqctl {' '.join(args)} failed: {err.decode()}{out.decode()}"


async def test_broker_restart_during_publishing_loses_nothing(database_url, amqp_url, servers, topic):
    assert servers.origin == "local", "this test restarts the local RabbitMQ with rabbitmqctl"
    db, effects = await open_database(database_url, "bus_restart")
    broker = await open_broker(amqp_url, "restart-consumer")
    relay_broker = await open_broker(amqp_url, "restart-relay")
    queue = topic.queue("restart")

    async def handler(event, uow):
        await uow.session.execute(insert(effects).values(event_id=event.id, consumer=queue))

    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=50, delivery_limit=20, attempts=5)
    await consumer.start()
    for start in range(0, TOTAL, 500):
        async with db.unit_of_work() as uow:
            for i in range(start, start + 500):
                uow.emit(topic.event, subject=f"agg-{i % 97}", data={"n": i}, region="east")
    relay = OutboxRelay(db, relay_broker, batch_size=50, poll_interval=0.5)

    async def sent() -> int:
        outbox = db.tables.outbox
        async with db.engine.connect() as connection:
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_not(None))
            return int((await connection.execute(query)).scalar_one())

    await relay.start()
    await eventually(lambda: _above(sent, 0), what="publishing under way")
    await rabbitmqctl("stop_app")
    sent_before_restart = await sent()
    await asyncio.sleep(2)
    await rabbitmqctl("start_app")
    await rabbitmqctl("await_startup")
    assert sent_before_restart < TOTAL, "publishing finished before the restart; the test proved nothing"

    async def every_event_handled() -> bool:
        async with db.engine.connect() as connection:
            distinct = select(func.count(func.distinct(effects.c.event_id)))
            return int((await connection.execute(distinct)).scalar_one()) == TOTAL

    await eventually(every_event_handled, within=180, what=f"all {TOTAL} events handled after the restart")
    assert await sent() == TOTAL
    async with db.engine.connect() as connection:
        rows = int((await connection.execute(select(func.count()).select_from(effects))).scalar_one())
    assert rows == TOTAL  # redelivered duplicates had no second effect
    await relay.stop()
    await consumer.stop()
    await broker.close()
    await relay_broker.close()
    await db.close()


async def _above(counter, floor: int) -> bool:
    return await counter() > floor
