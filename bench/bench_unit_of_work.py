"""What one unit of work costs the process: CPU µs a transaction for a few shapes (a read, four reads, a
write that emits an event), on the local PostgreSQL: the platform's own cost around every handler, request
and window. The reads are also run through an ORM AsyncSession (what a unit of work was built on until it
took a Core connection), its rounds interleaved with the unit of work's so the box's drift hits both alike.

    uv run python bench/bench_unit_of_work.py [--transactions 1000] [--rounds 5]

Prints figures (the median round); asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.testing.harness import open_database
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from machine import describe

Transaction = Callable[[], Awaitable[None]]
# label: (reads, whether the transaction also emits an event)
SHAPES = {"1 read": (1, False), "4 reads": (4, False), "1 read + 1 event": (1, True)}


def read_of(db: Database) -> Any:
    inbox = db.tables.inbox
    return select(inbox.c.event_id).where(inbox.c.consumer == "bench", inbox.c.event_id == "none")


def in_a_unit_of_work(db: Database, reads: int, *, emit: bool) -> Transaction:
    read = read_of(db)

    async def transaction() -> None:
        async with db.unit_of_work() as uow:
            for _ in range(reads):
                (await uow.connection.execute(read)).all()
            if emit:
                uow.emit("aftercare.bench.happened.v1", subject=uuid.uuid4().hex, data={"n": 1}, region="east")

    return transaction


def through_a_session(db: Database, reads: int) -> Transaction:
    read = read_of(db)

    async def transaction() -> None:
        async with AsyncSession(db.engine, expire_on_commit=False) as session, session.begin():
            for _ in range(reads):
                (await session.execute(read)).all()

    return transaction


async def cpu_per_transaction(transaction: Transaction, transactions: int) -> float:
    started = time.process_time()
    for _ in range(transactions):
        await transaction()
    return (time.process_time() - started) / transactions * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as stack:
        servers = start_servers(stack)
        name, url = await create_database(servers.pg_admin_url, "aftercare_bench")
        try:
            db, _ = await open_database(url, "bench", service_name="bench")
            print(f"a unit of work's CPU in this process on {describe()}")
            for label, (reads, emit) in SHAPES.items():
                kinds = {"unit of work": in_a_unit_of_work(db, reads, emit=emit)}
                if not emit:
                    kinds["ORM session"] = through_a_session(db, reads)
                rounds: dict[str, list[float]] = {kind: [] for kind in kinds}
                for transaction in kinds.values():
                    await cpu_per_transaction(transaction, 100)  # warm: pool, prepared statements, caches
                for _ in range(args.rounds):
                    for kind, transaction in kinds.items():
                        rounds[kind].append(await cpu_per_transaction(transaction, args.transactions))
                print(f"  {label:<18} " + "; ".join(
                    f"{kind} {statistics.median(r):,.0f} µs a transaction (rounds {min(r):,.0f}–{max(r):,.0f})"
                    for kind, r in rounds.items()))
            await db.close()
        finally:
            await drop_database(servers.pg_admin_url, name)


if __name__ == "__main__":
    asyncio.run(main())
