"""The console's queue page with 200,000 cases in its read model, on the local PostgreSQL:

the console runs in this process (uvicorn on a free port); the rows are seeded straight into
`console.queue` with COPY, a third of them done, the rest spread over breached / warned / running /
waiting, six companies and five regions; then `GET /queue` (the whole HTML page: query, rendering,
security headers) is timed for an agent with several filters. Prints p50/p95/p99 and the page size.

    uv run python bench/bench_console_queue.py [--seed 200000] [--requests 300]

Prints figures and the machine; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from aftercare_platform.testing.ports import free_port
from console.bootstrap import definition
from console.domain.queue import Clock, QueueRow
from machine import describe, percentile

REGIONS = ["east", "south", "north", "west", "central"]
COMPANIES = [f"company-{n}" for n in range(6)]
STATUSES = ["new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"]
FILTERS = ["", "view=breached", "view=unassigned", "priority=P1", "region=east", "company=company-3",
           "view=mine", "view=waiting&region=south"]


def seeded_row(index: int, now: datetime) -> tuple[object, ...]:
    rng = random.Random(index)
    status = rng.choice(STATUSES)
    clocks: dict[str, Clock] = {}
    roll = rng.random()
    deadline = now + timedelta(minutes=rng.randint(-600, 600))
    if roll < 0.05:
        clocks["restore:1"] = Clock("breached", deadline)
    elif roll < 0.2:
        clocks["first_response:1"] = Clock("warned", deadline)
    row = QueueRow(case_id=f"case-{index:07d}", case_number=f"EA-20261121-{index:06d}", region=rng.choice(REGIONS),
                   company_id=rng.choice(COMPANIES), priority=rng.choice(["P1", "P2", "P3", "P4"]), status=status,
                   assignee_id=rng.choice(["", "eng-1", "eng-2", "bench-agent"]), tier="engineer",
                   description=f"bench case {index}", created_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
                   case_seen_at=now, clocks=clocks)
    document = json.dumps({k: {"state": c.state, "deadline": c.deadline.isoformat() if c.deadline else None}
                           for k, c in clocks.items()})
    return (row.case_id, row.case_number, row.region, row.company_id, row.priority, row.status, row.assignee_id,
            row.tier, row.description, False, row.created_at, row.case_seen_at, document, row.urgency,
            row.next_deadline, row.priority_rank)


async def seed(database_url: str, count: int) -> None:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(url)
    now = datetime.now(UTC)
    try:
        await connection.copy_records_to_table(
            "queue", schema_name="console", records=[seeded_row(i, now) for i in range(count)],
            columns=["case_id", "case_number", "region", "company_id", "priority", "status", "assignee_id", "tier",
                     "description", "supervisor_review", "created_at", "case_seen_at", "clocks", "urgency",
                     "due_at", "priority_rank"])
        await connection.execute("ANALYZE console.queue")
    finally:
        await connection.close()


async def main(seed_count: int, requests: int) -> None:
    with ExitStack() as stack:
        servers = start_servers(stack)
        name, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_bench_console")
        try:
            settings = definition.settings(database_url=database_url, amqp_url="", http_port=free_port(),
                                           grpc_port=free_port(), log_level="WARNING", cookie_secure=False)
            async with service_in_process(definition, settings) as http:
                started = time.perf_counter()
                await seed(database_url, seed_count)
                print(f"{describe()}\nseeded {seed_count} queue rows in {time.perf_counter() - started:.1f} s")
                token = mint_token(settings, "bench-agent", "agent", regions=[])
                http.cookies.set("aftercare_session", token)
                sizes: list[int] = []
                for query in FILTERS:  # warm-up
                    await http.get(f"/queue?{query}")
                timings: list[float] = []
                for index in range(requests):
                    query = FILTERS[index % len(FILTERS)]
                    begun = time.perf_counter()
                    answer = await http.get(f"/queue?{query}")
                    timings.append((time.perf_counter() - begun) * 1000)
                    assert answer.status_code == 200, answer.text[:300]
                    sizes.append(len(answer.content))
                timings.sort()
                assets = sum([len((await http.get(f"/static/{n}")).content)
                              for n in ("htmx.min.js", "console.js", "console.css")])
                print(f"GET /queue (50 rows, {len(FILTERS)} filters round-robin), {requests} requests, "
                      f"server in this process: p50 {percentile(timings, 0.5):.1f} ms, "
                      f"p95 {percentile(timings, 0.95):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms")
                print(f"page {max(sizes) / 1024:.1f} KB HTML + {assets / 1024:.1f} KB script and style "
                      f"= {(max(sizes) + assets) / 1024:.1f} KB (uncompressed)")
        finally:
            await drop_database(servers.pg_admin_url, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seed, arguments.requests))
