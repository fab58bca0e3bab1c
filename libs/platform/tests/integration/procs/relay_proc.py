"""A relay in its own process. argv: database_url schema amqp_url [crash-after-publish]"""

import asyncio
import sys

from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker, open_database


async def main() -> None:
    url, schema, amqp = sys.argv[1:4]
    crash = len(sys.argv) > 4 and sys.argv[4] == "crash-after-publish"
    database, _ = await open_database(url, schema)
    broker = await open_broker(amqp, "relay-proc")
    relay = OutboxRelay(database, broker, batch_size=50, poll_interval=0.5, crash_after_publish=crash)
    await relay.start()
    print("relay ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
