"""Messages that cannot be handled are parked in `<queue>.dlq`, visible and replayable; the consumer goes on."""

import asyncio
import os
import sys

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription, PermanentError
from aftercare_platform.bus.dlq import list_parked
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import insert, select

from .conftest import eventually


async def test_permanent_error_parks_then_replay_command_delivers_it(database_url, amqp_url, topic):
    db, effects = await open_database(database_url, "bus_park")
    broker = await open_broker(amqp_url)
    queue = topic.queue("parking")
    fixed = asyncio.Event()

    async def handler(event, uow):
        if event.data.get("poison") and not fixed.is_set():
            raise PermanentError("this payload breaks a rule")
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    consumer = EventConsumer(broker, db, EventSubscription(queue, [topic.binding], handler),
                             prefetch=5, delivery_limit=5, attempts=3)
    await consumer.start()
    async with db.unit_of_work() as uow:
        uow.emit(topic.event, subject="a", data={"n": 1}, region="east")
        poison_id = uow.emit(topic.event, subject="b", data={"poison": True}, region="east").id
        uow.emit(topic.event, subject="c", data={"n": 3}, region="east")
    await OutboxRelay(db, broker).drain_once()
    # not even JSON: parked at once, without reaching the handler
    await broker.send_to_queue(queue, OutgoingMessage(b"\xff not json", "garbage-1", f"{topic.aggregate}.x.east"))

    async def handled() -> list[str]:
        async with db.engine.connect() as connection:
            return list((await connection.execute(select(effects.c.event_id))).scalars())

    async def two_handled_two_parked() -> bool:
        return len(await handled()) == 2 and await broker.queue_depth(queue + ".dlq") == 2

    await eventually(two_handled_two_parked, what="the good events handled and the bad ones parked")
    parked_ids = {m.message_id for m in await list_parked(broker, queue)}
    assert parked_ids == {poison_id, "garbage-1"}
    # listing leaves them parked (a requeued message is counted again a moment after its reject)
    assert await broker.queue_depth(queue + ".dlq") <= 2

    async def both_parked_again() -> bool:
        return await broker.queue_depth(queue + ".dlq") == 2

    await eventually(both_parked_again, within=10, what="both listed messages parked again")

    fixed.set()
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aftercare_platform.cli.main", "dlq", "replay", "--queue", queue,
        env={**os.environ, "AFTERCARE_AMQP_URL": amqp_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await command.communicate()
    assert command.returncode == 0, err.decode()
    assert "replayed 2" in out.decode()

    async def poison_handled_garbage_parked_again() -> bool:
        return poison_id in await handled() and await broker.queue_depth(queue + ".dlq") == 1

    await eventually(poison_handled_garbage_parked_again, what="the replayed event handled")
    await consumer.stop()
    await broker.close()
    await db.close()


async def test_transient_error_is_retried_with_backoff_then_parked(database_url, amqp_url, topic):
    db, _ = await open_database(database_url, "bus_transient")
    broker = await open_broker(amqp_url)
    queue = topic.queue("transient")
    attempts: list[str] = []

    async def handler(event, uow):
        attempts.append(event.id)
        raise ConnectionError("downstream is down")

    subscription = EventSubscription(queue, [topic.binding], handler, retry_initial_wait=0.01, retry_max_wait=0.05)
    consumer = EventConsumer(broker, db, subscription, prefetch=1, delivery_limit=5, attempts=4)
    await consumer.start()
    async with db.unit_of_work() as uow:
        event_id = uow.emit(topic.event, subject="a", data={}, region="east").id
    await OutboxRelay(db, broker).drain_once()

    async def parked() -> bool:
        return await broker.queue_depth(queue + ".dlq") == 1

    await eventually(parked, what="the failing event parked")
    assert attempts == [event_id] * 4
    await consumer.stop()
    await broker.close()
    await db.close()
