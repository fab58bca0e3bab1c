"""The consumer alone on a full queue: events/s, CPU per event and the windows it forms, with and without
the window linger, for a no-op handler, a handler writing one row per event, and a window handler writing a
window's rows with one statement.

    uv run python bench/bench_consumer_windows.py [--events 5000] [--workers 4] [--prefetch 200]

The queue is filled first (outbox → relay → broker), then one consumer drains it in this process; the CPU
figure is this process's while it drains (the consumer and the wait's polling). Prints figures; asserts
nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from bench_outbox import SCHEMA, cpu_seconds, open_bench_database, produce
from machine import describe


async def drain(url: str, amqp: str, args: argparse.Namespace, handler_kind: str, linger: float) -> None:
    db, latencies = await open_bench_database(url)
    broker = await open_broker(amqp, "bench-windows")
    queue = f"bench.windows-{handler_kind}-{int(linger * 1000)}"
    await broker.declare_work_queue(queue, ["bench.#"], 5)
    await produce(db, args.events, None)
    relay = OutboxRelay(db, broker, batch_size=1000)
    while await relay.drain_once():
        pass
    record = insert(latencies)

    async def noop(event, uow) -> None:
        pass

    async def one_row(event, uow) -> None:
        await uow.connection.execute(record, {"event_id": event.id, "ms": 0.0})

    async def window_rows(events, uow) -> None:
        await uow.connection.execute(record, [{"event_id": event.id, "ms": 0.0} for event in events])

    subscription = (EventSubscription(queue, ["bench.#"], window_handler=window_rows) if handler_kind == "window"
                    else EventSubscription(queue, ["bench.#"], noop if handler_kind == "no-op" else one_row))
    consumer = EventConsumer(broker, db, subscription,
                             prefetch=args.prefetch, delivery_limit=5, attempts=3, workers=args.workers, linger=linger)
    sizes: list[int] = []
    handle_window = consumer._handle_window

    async def counted(window):  # type: ignore[no-untyped-def]
        sizes.append(len(window))
        return await handle_window(window)

    consumer._handle_window = counted  # type: ignore[method-assign]
    cpu, started = cpu_seconds(), time.perf_counter()
    await consumer.start()
    while True:
        async with db.engine.connect() as connection:
            done = (await connection.execute(text(f"SELECT count(*) FROM {SCHEMA}.inbox WHERE consumer = :q"),
                                             {"q": queue})).scalar_one()
        if done >= args.events:
            break
        await asyncio.sleep(0.05)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    await consumer.stop()
    print(f"  {handler_kind:<7} handler, linger {linger * 1000:>3.0f} ms: {args.events / seconds:,.0f} events/s, "
          f"{1000 * cpu / args.events:.3f} CPU ms/event; {len(sizes)} windows of {sum(sizes) / len(sizes):.1f} "
          f"events on average (at most {max(sizes)})")
    async with db.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {SCHEMA}.latencies"))
    channel = await broker.connection.channel()  # the queue goes: later runs' events are not copied into it
    await channel.queue_delete(queue)
    await channel.close()
    await broker.close()
    await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--prefetch", type=int, default=200)
    args = parser.parse_args()
    print(f"one consumer draining a full queue of {args.events} events, {args.workers} workers, prefetch "
          f"{args.prefetch}, on {describe()}")
    with ExitStack() as stack:
        servers = start_servers(stack)
        name, url = await create_database(servers.pg_admin_url, "aftercare_bench")
        try:
            for handler_kind in ("no-op", "one-row", "window"):
                for linger in (0.0, 0.05):
                    await drain(url, servers.amqp_url, args, handler_kind, linger)
        finally:
            await drop_database(servers.pg_admin_url, name)


if __name__ == "__main__":
    asyncio.run(main())
