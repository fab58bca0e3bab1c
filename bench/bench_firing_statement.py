"""Where PostgreSQL's time goes when sla-timer fires: the service's own firing statement, batch by batch.

N clocks (one breach each) are seeded due in the past, as bench_sla_timer's burst seeds them; then each batch
is claimed as the firing loop claims it and fired by the very statement the service runs (pg_firing), under
EXPLAIN (ANALYZE, BUFFERS, WAL), and committed. The figures add up each part of the statement over all
batches: the time PostgreSQL spent in it and the write-ahead log it wrote, per 1,000 deadlines.

    uv run python bench/bench_firing_statement.py [--deadlines 20000] [--batch 500]

EXPLAIN ANALYZE times every row it passes, so the statement takes longer here than in the service: read the
parts' shares of the time, and the write-ahead log each part writes (counted exactly). Prints figures; asserts
nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.db.listen import asyncpg_dsn
from aftercare_platform.testing.infra import drop_database
from machine import local_servers
from sla_timer.adapters.pg_firing import CLAIM, FIRE_QUIETLY
from sla_timer_fixture import clock_rows, fresh_database, seed

# the statement's parts, by the names its WITH gives them; `items` includes reading the claimed clocks
# (PostgreSQL runs a CTE where it is first read)
_PARTS = {"items": "read and expand the plans", "saved": "update the clocks",
          "logged": "insert the fired log", "facts": "upsert the breach facts", "outboxed": "insert the outbox rows"}


def _parts(node: dict[str, Any], into: Counter[str], wal: Counter[str]) -> None:
    """Each CTE's own time (its children's included) and WAL bytes, from EXPLAIN's JSON plan."""
    name = node.get("Subplan Name", "").removeprefix("CTE ")
    if name in _PARTS:
        into[name] += node["Actual Total Time"] * node.get("Actual Loops", 1)
        wal[name] += node.get("WAL Bytes", 0)
    for child in node.get("Plans", ()):
        _parts(child, into, wal)


async def fire_all(url: str, batch: int) -> tuple[int, Counter[str], Counter[str], float, float]:
    """Claim and fire batch by batch until nothing is due: (fired, ms per part, WAL bytes per part, statement
    ms as EXPLAIN measured it, commit ms)."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    times: Counter[str] = Counter()
    wal: Counter[str] = Counter()
    fired, total_ms, commit_ms = 0, 0.0, 0.0
    try:
        await connection.execute("VACUUM ANALYZE sla_timer.clocks")
        await connection.execute("CHECKPOINT")  # every run starts as far from a checkpoint as the next
        while True:
            now = datetime.now(UTC)
            async with connection.transaction():
                held = await connection.fetch(CLAIM, now, batch)
                if not held:
                    break
                explained = await connection.fetchval(
                    f"EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) {FIRE_QUIETLY}", now,
                    [h["case_id"] for h in held], [h["kind"] for h in held], [0] * len(held),
                    "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "bench", "{}")
                (plan,) = json.loads(explained)
                _parts(plan["Plan"], times, wal)
                total_ms += plan["Execution Time"]
                fired += len(held)
                started = time.perf_counter()
            commit_ms += (time.perf_counter() - started) * 1000
    finally:
        await connection.close()
    return fired, times, wal, total_ms, commit_ms


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadlines", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="clocks a claim holds (the service's claim_batch_size)")
    args = parser.parse_args()
    with local_servers("sla-timer's firing statement in PostgreSQL") as servers:
        name, url = await fresh_database(servers.pg_admin_url, servers.amqp_url)
        try:
            due = datetime.now(UTC) - timedelta(seconds=1)
            await seed(url, clock_rows((due for _ in range(args.deadlines)), "E"))
            fired, times, wal, total_ms, commit_ms = await fire_all(url, args.batch)
        finally:
            await drop_database(servers.pg_admin_url, name)
    per = 1000 / max(1, fired)
    print(f"  {fired:,} deadlines fired in batches of {args.batch}: the statement {total_ms * per:.1f} ms per "
          f"1,000 deadlines under EXPLAIN ANALYZE, the commit {commit_ms * per:.1f} ms; write-ahead log "
          f"{sum(wal.values()) / max(1, fired) / 1024:.2f} KiB per deadline")
    for part, label in _PARTS.items():
        print(f"    {label:<26} {times[part] * per:6.1f} ms, WAL {wal[part] / max(1, fired):5.0f} bytes a deadline")

if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    asyncio.run(main())
