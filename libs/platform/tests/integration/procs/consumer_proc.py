"""A consumer in its own process; records one effect row per handled event.

argv: database_url schema amqp_url queue binding [kill-before-first-ack]"""

import asyncio
import os
import signal
import sys

from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.bus.ports import Delivery
from aftercare_platform.testing.harness import open_broker, open_database
from sqlalchemy import insert


async def main() -> None:
    url, schema, amqp, queue, binding = sys.argv[1:6]
    kill_before_ack = len(sys.argv) > 6 and sys.argv[6] == "kill-before-first-ack"
    database, effects = await open_database(url, schema)
    broker = await open_broker(amqp, "consumer-proc")

    async def handler(event, uow):
        await uow.connection.execute(insert(effects).values(event_id=event.id, consumer=queue))

    consumer = EventConsumer(broker, database, EventSubscription(queue, [binding], handler),
                             prefetch=10, delivery_limit=20, attempts=3)
    if kill_before_ack:
        # the handler's transaction commits, then the process dies before the ack reaches the broker
        original = consumer._on_delivery

        async def process_then_die(delivery: Delivery) -> None:
            class NoAck:
                def __getattr__(self, name):
                    return getattr(delivery, name)

                async def ack(self, *, multiple=False):
                    os.kill(os.getpid(), signal.SIGKILL)

            await original(NoAck())

        consumer._on_delivery = process_then_die
    await consumer.start()
    print("consumer ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
