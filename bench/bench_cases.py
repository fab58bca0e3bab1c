"""The cases service under load, in its own process on the local PostgreSQL and RabbitMQ:

1. CreateCase through gRPC with the outbox relay publishing every `case.created` to RabbitMQ:
   throughput (cases/s) and p50/p99 latency, for one region (every creation queues on that day's
   number row) and for five regions;
2. AddNote with a request id (as intake folds alarms into cases) on 200 cases: notes/s and p50/p99, one in
   flight and many (commands arriving together are committed together);
3. ListCases p50/p99 over 200,000 cases (seeded straight into the table with COPY), with filters.

    uv run python bench/bench_cases.py [--creates 2000] [--notes 3000] [--concurrency 32] [--seed 200000]
                                       [--lists 400] [--replicas 1]

--replicas N runs N cases processes on the one database (a region scaled out, as Kubernetes would), each
with its own relay; the client spreads its calls over them in turn.

Prints figures and the machine; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import httpx
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from google.protobuf.timestamp_pb2 import Timestamp

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.db.listen import asyncpg_dsn
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from aftercare_platform.testing.ports import free_port
from cases.adapters.case_codec import case_to_document
from cases.domain import commands
from cases.domain.actors import Actor, Role
from cases.domain.case import Asset, Caller
from cases.domain.case_numbers import format_case_number
from cases.domain.timeline import canonical_time, genesis_hash
from cases.domain.vocabulary import Category, Kind, Priority, Status
from cases.settings import CasesSettings
from machine import CpuMeter, describe, percentile

REGIONS = ["east", "south", "north", "west", "central"]
MANUFACTURERS = ["hikvision", "dahua", "uniview", "huawei", "h3c", "cisco", "dell", "inspur", "lenovo", "zte"]
STATUSES = [(Status.CLOSED, 55), (Status.IN_PROGRESS, 12), (Status.ASSIGNED, 8), (Status.NEW, 6),
            (Status.RESOLVED, 8), (Status.WAITING_CUSTOMER, 5), (Status.CANCELLED, 4), (Status.REOPENED, 2)]
CATEGORIES = [c.value for c in Category]
KINDS = [k.value for k in Kind]
PRIORITIES = [(Priority.P1, 5), (Priority.P2, 20), (Priority.P3, 50), (Priority.P4, 25)]
COMPANIES = 1_000
ENGINEERS = 300


def create_request(region: str, i: int) -> pb.CreateCaseRequest:
    return pb.CreateCaseRequest(
        request_id=str(uuid.uuid4()), region=region, company_id=f"company-{i % COMPANIES}", contract_id="c-1",
        caller=pb.Caller(name="Li Lei", phone="+86 138 0000 0000"),
        asset=pb.Asset(manufacturer=MANUFACTURERS[i % len(MANUFACTURERS)], serial_number=f"SN-{i}"),
        description=f"camera {i} shows no picture since 08:00", error_codes=[f"E-{1000 + i % 50}"],
        category=pb.CATEGORY_A, kind=pb.CASE_KIND_DEFECT, priority=pb.PRIORITY_P3, channel=pb.CHANNEL_PARTNER,
    )


async def start_service(database_url: str, amqp_url: str) -> tuple[asyncio.subprocess.Process, int, int]:
    http_port, grpc_port = free_port(), free_port()
    env = {**os.environ, "AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_AMQP_URL": amqp_url,
           "AFTERCARE_HTTP_PORT": str(http_port), "AFTERCARE_GRPC_PORT": str(grpc_port),
           "AFTERCARE_HTTP_HOST": "127.0.0.1", "AFTERCARE_GRPC_HOST": "127.0.0.1", "AFTERCARE_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "cases", env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    async with httpx.AsyncClient() as http:
        for _ in range(1200):
            try:
                if (await http.get(f"http://127.0.0.1:{http_port}/readyz")).status_code == 200:
                    return process, grpc_port, http_port
            except httpx.HTTPError:
                pass
            if process.returncode is not None:
                raise SystemExit("the cases service did not start")
            await asyncio.sleep(0.1)
    raise SystemExit("the cases service did not become ready")


async def timed_calls(call: Callable[[int], Awaitable[Any]], total: int, concurrency: int
                      ) -> tuple[float, list[float]]:
    """`call(i)` for i in range(total), `concurrency` at a time: seconds in all, and each call's ms, sorted."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await call(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, sorted(latencies)


async def bench_creates(stubs: list[Any], metadata: list[tuple[str, str]], regions: list[str], total: int,
                        concurrency: int) -> tuple[float, list[float]]:
    return await timed_calls(lambda i: stubs[i % len(stubs)].CreateCase(
        create_request(regions[i % len(regions)], i), metadata=metadata), total, concurrency)


async def bench_notes(stubs: list[Any], metadata: list[tuple[str, str]], case_ids: list[str], total: int,
                      concurrency: int, tag: str) -> tuple[float, list[float]]:
    def note(i: int) -> Awaitable[Any]:
        return stubs[i % len(stubs)].AddNote(pb.AddNoteRequest(
            case_id=case_ids[i % len(case_ids)], text=f"video loss (occurrence {i})",
            request_id=f"bench-note-{tag}-{i}", visibility=pb.VISIBILITY_INTERNAL), metadata=metadata)

    return await timed_calls(note, total, concurrency)


async def outbox_drained(connection: asyncpg.Connection, seconds: float = 300) -> float:
    """Seconds until the relay confirmed every event with RabbitMQ (it deletes a row once confirmed)."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if not await connection.fetchval("SELECT EXISTS (SELECT 1 FROM cases.outbox)"):
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise SystemExit(f"the outbox did not drain within {seconds:.0f} s")


def weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


async def seed(connection: asyncpg.Connection, count: int) -> None:
    """`count` cases straight into cases.cases with COPY: realistic spreads of company, status, priority,
    manufacturer, assignee and a year of creation times."""
    agent = Actor("bench-seed", Role.AGENT)
    template = commands.open_case(
        commands.NewCase(region="east", company_id="company-0", contract_id="c-1",
                         caller=Caller("Li Lei", phone="+86 138 0000 0000"), description="seeded case",
                         category=Category.A, kind=Kind.DEFECT, priority=Priority.P3,
                         asset=Asset(manufacturer="hikvision"), error_codes=("E-1000",)),
        case_id=str(uuid.uuid4()), number="EA-20250101-000001", actor=agent, at=datetime(2025, 1, 1, tzinfo=UTC),
    ).case
    base = case_to_document(template)
    rng = random.Random(7)
    sequences: dict[tuple[str, date], int] = defaultdict(int)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    records = []
    columns = ["id", "number", "region", "company_id", "contract_id", "status", "priority", "category", "kind",
               "tier", "assignee_id", "manufacturer_key", "created_at", "updated_at", "closed_at", "version",
               "head_position", "head_hash", "search_text", "internal_text", "document"]
    offsets = sorted(rng.uniform(0, 365 * 86_400) for _ in range(count))
    for i, offset in enumerate(offsets):
        created = start + timedelta(seconds=offset)
        region = rng.choice(REGIONS)
        day = (created + timedelta(hours=8)).date()
        sequences[(region, day)] += 1
        status = weighted(rng, STATUSES)
        priority = weighted(rng, PRIORITIES)
        closed = created + timedelta(hours=rng.uniform(1, 200)) if status is Status.CLOSED else None
        assignee = None if status is Status.NEW else f"eng-{rng.randrange(ENGINEERS)}"
        manufacturer = rng.choice(MANUFACTURERS)
        number = format_case_number(region, day, sequences[(region, day)])
        document = {
            **base, "id": str(uuid.uuid4()), "number": number, "region": region,
            "company_id": f"company-{rng.randrange(COMPANIES)}", "status": status.value, "priority": priority.value,
            "category": rng.choice(CATEGORIES), "kind": rng.choice(KINDS),
            "tier": rng.choice(["desk", "engineer", "engineer", "expert_panel"]), "assignee": assignee,
            "asset": {"manufacturer": manufacturer, "serial_number": f"SN-{i}", "model": None, "site": None},
            "created_at": canonical_time(created), "updated_at": canonical_time(closed or created),
            "closed_at": canonical_time(closed) if closed else None, "description": f"seeded case {i}: no picture",
        }
        records.append((
            document["id"], number, region, document["company_id"], "c-1", status.value, priority.value,
            document["category"], document["kind"], document["tier"], assignee, manufacturer, created,
            closed or created, closed, 1, 0, genesis_hash(document["id"]),
            f"{number} {document['description']} E-1000", "", json.dumps(document),
        ))
        if len(records) == 20_000:
            await connection.copy_records_to_table("cases", schema_name="cases", columns=columns, records=records)
            records.clear()
    if records:
        await connection.copy_records_to_table("cases", schema_name="cases", columns=columns, records=records)
    await connection.execute("ANALYZE cases.cases")


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def list_requests(rng: random.Random) -> list[tuple[str, pb.ListCasesRequest]]:
    """One of each kind of listing an agent's screen or a partner's sync makes."""
    month = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(330))
    span = common_pb2.TimeRange(start_time=stamp(month), end_time=stamp(month + timedelta(days=30)))
    return [
        ("company", pb.ListCasesRequest(filter=pb.CaseFilter(company_ids=[f"company-{rng.randrange(COMPANIES)}"]))),
        ("status+priority", pb.ListCasesRequest(filter=pb.CaseFilter(
            statuses=[pb.CASE_STATUS_IN_PROGRESS, pb.CASE_STATUS_ASSIGNED], priorities=[pb.PRIORITY_P1]))),
        ("assignee open", pb.ListCasesRequest(filter=pb.CaseFilter(
            assignee_ids=[f"eng-{rng.randrange(ENGINEERS)}"], statuses=[pb.CASE_STATUS_IN_PROGRESS]))),
        ("manufacturer+closed month", pb.ListCasesRequest(filter=pb.CaseFilter(
            asset_manufacturer=rng.choice(MANUFACTURERS), closed=span))),
        ("region+category+created month", pb.ListCasesRequest(filter=pb.CaseFilter(
            regions=[rng.choice(REGIONS)], categories=[pb.CATEGORY_D], created=span))),
        ("open by priority", pb.ListCasesRequest(
            filter=pb.CaseFilter(statuses=[pb.CASE_STATUS_NEW, pb.CASE_STATUS_REOPENED]),
            sort_field=pb.CASE_SORT_FIELD_PRIORITY, sort_direction=pb.SORT_DIRECTION_ASCENDING)),
        ("tier+kind, 200 a page", pb.ListCasesRequest(
            filter=pb.CaseFilter(tiers=[pb.TIER_EXPERT_PANEL], kinds=[pb.CASE_KIND_CONSULTATION]),
            page=common_pb2.PageRequest(page_size=200))),
    ]


async def bench_lists(stub: Any, metadata: list[tuple[str, str]], rounds: int) -> dict[str, list[float]]:
    rng = random.Random(11)
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for name, request in list_requests(rng):
            started = time.perf_counter()
            reply = await stub.ListCases(request, metadata=metadata)
            timings[name].append((time.perf_counter() - started) * 1000)
            if reply.page.next_page_token:  # and the next page, through the signed keyset token
                request.page.page_token = reply.page.next_page_token
                started = time.perf_counter()
                await stub.ListCases(request, metadata=metadata)
                timings[f"{name} (page 2)"].append((time.perf_counter() - started) * 1000)
    return timings


def figures(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {percentile(ordered, 0.5):7.1f} ms   p99 {percentile(ordered, 0.99):7.1f} ms   (n={len(values)})"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=200_000)
    parser.add_argument("--lists", type=int, default=60, help="rounds of the 7 listing kinds")
    parser.add_argument("--replicas", type=int, default=1, help="cases processes on the one database")
    args = parser.parse_args()
    print(f"machine: {describe()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} before the run")
    with ExitStack() as stack:
        servers = start_servers(stack)
        name, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_bench")
        processes: list[asyncio.subprocess.Process] = []
        try:
            grpc_ports = []
            for _ in range(args.replicas):
                process, grpc_port, _ = await start_service(database_url, servers.amqp_url)
                processes.append(process)
                grpc_ports.append(grpc_port)
            connection = await asyncpg.connect(asyncpg_dsn(database_url))
            print(f"PostgreSQL {await connection.fetchval('SHOW server_version')}, RabbitMQ ({servers.origin}); "
                  f"the cases service in {args.replicas} process(es) of its own, the client (grpc.aio) in this one, "
                  "same machine")
            token = mint_token(CasesSettings(), "bench-agent", "agent")
            metadata = [("authorization", f"Bearer {token}")]
            async with AsyncExitStack() as channels:
                stubs = [cases_pb2_grpc.CaseServiceStub(await channels.enter_async_context(
                    grpc.aio.insecure_channel(f"127.0.0.1:{port}"))) for port in grpc_ports]
                stub = stubs[0]
                await bench_creates(stubs, metadata, ["east"], 100, 8)  # warm-up
                if args.creates:
                    print("\nCreateCase (each: request-id claim, number, case row, timeline entry, outbox row; "
                          "relay publishing with confirms)")
                phases = (("1 region, 1 in flight", ["east"], 1, min(300, args.creates)),
                          (f"1 region, {args.concurrency} in flight", ["east"], args.concurrency, args.creates),
                          (f"5 regions, {args.concurrency} in flight", REGIONS, args.concurrency, args.creates))
                meter = CpuMeter({f"cases {n + 1}" if args.replicas > 1 else "cases": p.pid
                                  for n, p in enumerate(processes)})
                for label, regions, in_flight, count in phases:
                    if count == 0:  # a part asked for none (--creates 0) prints nothing, not empty figures
                        continue
                    cpu_before = meter.read()
                    elapsed, latencies = await bench_creates(stubs, metadata, regions, count, in_flight)
                    drained = await outbox_drained(connection)
                    print(f"  {label:<24} {count / elapsed:5.0f} cases/s   {figures(latencies)}   "
                          f"outbox drained {drained:.2f} s after the last reply")
                    # where the time goes: the service's own CPU bounds it at one core (one event loop)
                    print(f"      {meter.since(cpu_before, count, 'case')}")
                if args.notes:
                    case_ids = [r["id"] for r in
                                await connection.fetch("SELECT id FROM cases.cases ORDER BY id LIMIT 200")]
                    print(f"\nAddNote with a request id on {len(case_ids)} cases (each: case row locked, request id "
                          "looked up, case updated with the entry and the request id, outbox row)")
                    for label, in_flight, count in (("1 in flight", 1, min(300, args.notes)),
                                                    (f"{args.concurrency} in flight", args.concurrency, args.notes)):
                        cpu_before = meter.read()
                        elapsed, latencies = await bench_notes(stubs, metadata, case_ids, count, in_flight, label)
                        drained = await outbox_drained(connection)
                        print(f"  {label:<24} {count / elapsed:5.0f} notes/s   {figures(latencies)}   "
                              f"outbox drained {drained:.2f} s after the last reply")
                        print(f"      {meter.since(cpu_before, count, 'note')}")
                await connection.execute("DELETE FROM cases.outbox")
                if args.seed:
                    print(f"\nseeding {args.seed:,} cases with COPY ...", flush=True)
                    started = time.perf_counter()
                    await seed(connection, args.seed)
                    print(f"  seeded in {time.perf_counter() - started:.0f} s")
                if args.lists:
                    total = await connection.fetchval("SELECT count(*) FROM cases.cases")
                    print(f"\nListCases over {total:,} cases (50 a page unless said; one call at a time; "
                          "each kind with fresh random values every round)")
                    timings = await bench_lists(stub, metadata, args.lists)
                    for kind, values in timings.items():
                        print(f"  {kind:<38} {figures(values)}")
                    everything = [v for values in timings.values() for v in values]
                    print(f"  {'all listings':<38} {figures(everything)}")
                print(f"\nload average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            await connection.close()
        finally:
            for process in processes:
                if process.returncode is None:
                    process.terminate()
                    await process.wait()
            await drop_database(servers.pg_admin_url, name)


if __name__ == "__main__":
    asyncio.run(main())
