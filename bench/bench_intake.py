"""Intake end to end: submissions/s from channel to case created (gRPC SubmitCase and HTTP agent entry),
an alarm storm (thousands of alarms from a few hundred devices folding into one case per device), and CSV
import rows/s for a large asset file — with intake and cases each in its own process on the local PostgreSQL
and RabbitMQ.

    uv run python bench/bench_intake.py [--submissions 400] [--concurrency 16] [--assets 100000]
                                        [--alarms 20000] [--devices 200] [--rate 250] [--profile]

--rate R offers the submissions at R a second (open loop, at most --concurrency in flight) instead of as fast
as --concurrency callers can send them: the issue's "p99 at 250/s" is `--rate 250 --concurrency 256`.
--profile samples intake and cases with py-spy in each phase and prints where their time went (profiling.py).

"Case created" means the receipt carries the case number cases allocated (intake answers with it
when the first delivery succeeds within its wait; otherwise the bench polls the receipt). In the storm a
repeat is answered at once and goes onto its case with the repeats that came in the next
AFTERCARE_ALARM_FOLD_SECONDS (intake's default, 5 s): "delivered" includes that wait.
Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import grpc
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.cli.run import is_ready
from aftercare_platform.servers.event_loop import run_on
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from aftercare_platform.testing.ports import free_port
from machine import CpuMeter, describe, percentile
from profiling import Profiles

COMPANY = "BENCH"
SITES = 50


@dataclass
class Phases:
    """What every phase of one run shares: the CPU meter, the profiles (py-spy with --profile), intake's HTTP port
    (its /metrics say how creations were batched) and --rate (submissions offered a second; 0: closed loop)."""

    meter: CpuMeter
    profiles: Profiles
    intake_http: int
    rate: float

    async def pace(self, started: float, n: int) -> float | None:
        """At --rate, the n-th submission waits for its turn, n / rate seconds after the start, and its latency
        counts from then (a submission held back by --concurrency waited too); None without --rate."""
        if not self.rate:
            return None
        offered = started + n / self.rate
        await asyncio.sleep(max(0.0, offered - time.perf_counter()))
        return offered

    def creation_calls(self) -> tuple[float, float]:
        """(creations, calls) intake has sent cases so far, from its /metrics."""
        found = {"sum": 0.0, "count": 0.0}
        for line in httpx.get(f"http://127.0.0.1:{self.intake_http}/metrics", timeout=10).text.splitlines():
            for kind in found:
                if line.startswith(f"aftercare_intake_cases_creations_per_call_{kind}"):
                    found[kind] += float(line.rsplit(" ", 1)[1])
        return found["sum"], found["count"]

    def batching_since(self, before: tuple[float, float]) -> str:
        """How intake's creations went to cases since `before`: how many a call carried."""
        creations, calls = (now - then for now, then in zip(self.creation_calls(), before, strict=True))
        return f"    creations per call to cases: {creations / calls:.1f} ({calls:,.0f} calls)" if calls else ""

    def print_profiles(self) -> None:
        """Where the services' time went in the phase just reported (with --profile)."""
        profile = self.profiles.stop()
        if profile:
            print(profile)

    def report(self, channel: str, count: int, concurrency: int, seconds: float, latencies: list[float], cpu: str,
               batching: str) -> None:
        values = sorted(latencies)
        offered = f"offered at {self.rate:,.0f}/s, at most {concurrency}" if self.rate else str(concurrency)
        print(f"  {channel:<24} {count} submissions, {offered} concurrent → {count / seconds:,.1f} submissions/s "
              f"end to end ({seconds:.1f} s); channel → case created p50 {percentile(values, .5) * 1000:.0f} ms, "
              f"p99 {percentile(values, .99) * 1000:.0f} ms")
        print(f"    {cpu}")
        if batching:
            print(batching)
        self.print_profiles()


def spawn(package: str, env: dict[str, str], http_port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", package], env=env, stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 120
    while not is_ready(http_port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{package} did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    return process


def auth(subject: str, role: str, **claims: object) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {mint_token(ServiceSettings(), subject, role, **claims)}")]  # type: ignore[arg-type]


async def register(stub: intake_pb2_grpc.IntakeServiceStub) -> None:
    agent = auth("bench-agent", "agent")
    await stub.CreateCompany(pb.CreateCompanyRequest(company=pb.Company(company_id=COMPANY, name="Bench Ltd",
                                                                        region="east")), metadata=agent)
    await stub.CreateContract(pb.CreateContractRequest(contract=pb.Contract(
        contract_id="BENCH-C1", company_id=COMPANY, sla_policy="default", start_on="2025-01-01",
        acceptance_on="2025-06-01")), metadata=agent)
    for n in range(SITES):
        await stub.CreateSite(pb.CreateSiteRequest(site=pb.Site(
            site_id=f"BENCH-S{n}", company_id=COMPANY, name=f"Site {n}", address=f"{n} Bench Road", region="east")),
            metadata=agent)
    await stub.CreateContact(pb.CreateContactRequest(contact=pb.Contact(
        contact_id="BENCH-K1", company_id=COMPANY, name="Li Lei", phone="13800138000", email="li@bench.example")),
        metadata=agent)


async def wait_all_created(stub: intake_pb2_grpc.IntakeServiceStub, receipts: dict[str, float],
                           numbers: dict[str, float]) -> None:
    """Poll the receipts still without a case number; record when each got one."""
    agent = auth("bench-agent", "agent")
    while len(numbers) < len(receipts):
        for receipt_id in [r for r in receipts if r not in numbers]:
            reply = await stub.GetReceipt(pb.GetReceiptRequest(receipt_id=receipt_id), metadata=agent)
            if reply.receipt.case_number:
                numbers[receipt_id] = time.perf_counter()
        await asyncio.sleep(0.05)


async def bench_grpc(stub: intake_pb2_grpc.IntakeServiceStub, phases: Phases | None, count: int, concurrency: int,
                     tag: str = "grpc") -> None:
    """`count` partner submissions over gRPC; reported unless `phases` is None (a warm-up)."""
    partner = auth("bench-partner", "partner", companies=[COMPANY])
    gate = asyncio.Semaphore(concurrency)
    sent: dict[str, float] = {}
    created: dict[str, float] = {}

    async def one(n: int) -> None:
        offered = await phases.pace(started, n) if phases else None
        async with gate:
            sent_at = offered or time.perf_counter()
            reply = await stub.SubmitCase(pb.SubmitCaseRequest(
                partner_request_id=f"{tag}-{n}", description=f"bench ticket {n}: terminal {n} cannot log in",
                error_codes=[f"G-{n}"], hints=pb.ReportHints(company=COMPANY)), metadata=partner)
            sent[reply.receipt.receipt_id] = sent_at
            if reply.receipt.case_number:
                created[reply.receipt.receipt_id] = time.perf_counter()

    if phases:
        before, calls_before = phases.meter.read(), phases.creation_calls()
        phases.profiles.start()
    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    await wait_all_created(stub, sent, created)
    if phases:
        phases.report("gRPC SubmitCase", count, concurrency, time.perf_counter() - started,
                      [created[r] - sent[r] for r in sent], phases.meter.since(before, count, "submission"),
                      phases.batching_since(calls_before))


async def bench_http(stub: intake_pb2_grpc.IntakeServiceStub, phases: Phases, count: int, concurrency: int) -> None:
    """Through aiohttp's client: httpx spent 2–13 CPU ms a request here, taken from the services on 2 cores."""
    headers = dict(auth("bench-agent", "agent"))
    gate = asyncio.Semaphore(concurrency)
    sent: dict[str, float] = {}
    created: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    base_url = f"http://127.0.0.1:{phases.intake_http}"
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as http:

        async def one(n: int) -> None:
            offered = await phases.pace(started, n)
            async with gate:
                sent_at = offered or time.perf_counter()
                async with http.post("/v1/intake/agent-entries", headers=headers, json={
                        "description": f"bench call {n}: printer {n} jams", "error_codes": [f"H-{n}"],
                        "reporter": {"phone": "13800138000"}, "hints": {"company": COMPANY}}) as reply:
                    reply.raise_for_status()
                    body = await reply.json()
                sent[body["receipt_id"]] = sent_at
                if body["case_number"]:
                    created[body["receipt_id"]] = time.perf_counter()

        before, calls_before = phases.meter.read(), phases.creation_calls()
        phases.profiles.start()
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
    await wait_all_created(stub, sent, created)
    phases.report("HTTP agent entry", count, concurrency, time.perf_counter() - started,
                  [created[r] - sent[r] for r in sent], phases.meter.since(before, count, "submission"),
                  phases.batching_since(calls_before))


def asset_csv(count: int) -> bytes:
    out = io.StringIO()
    out.write("serial_number,manufacturer,model,site_id,contract_id,installed_on,accepted_on\n")
    for n in range(count):
        out.write(f"SN-{n:07d},Hikvision,DS-2CD{n % 7},BENCH-S{n % SITES},BENCH-C1,2025-05-01,2025-06-01\n")
    return out.getvalue().encode()


async def bench_import(stub: intake_pb2_grpc.IntakeServiceStub, http_port: int, count: int) -> None:
    agent = auth("bench-agent", "agent")
    data = asset_csv(count)
    header, _, body = data.partition(b"\n")
    lines = body.splitlines(keepends=True)
    chunk = 5_000
    started = time.perf_counter()
    imported = 0
    for first in range(0, len(lines), chunk):
        reply = await stub.ImportRegistry(pb.ImportRegistryRequest(
            kind=pb.REGISTRY_KIND_ASSETS, csv=header + b"\n" + b"".join(lines[first:first + chunk]),
            first_row=first + 2), metadata=agent)
        imported += reply.rows_imported
    seconds = time.perf_counter() - started
    print(f"  CSV import (gRPC, {chunk:,}-row chunks as the CLI sends them): {imported:,} new assets in "
          f"{seconds:.1f} s → {imported / seconds:,.0f} rows/s")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}", timeout=600) as http:
        started = time.perf_counter()
        reply = await http.post("/v1/intake/registry/assets/import", headers=dict(agent), content=data)
        reply.raise_for_status()
        seconds = time.perf_counter() - started
    print(f"  CSV import (HTTP, one {len(data) / 1e6:.1f} MB file, every row an update): "
          f"{reply.json()['rows_imported']:,} rows in {seconds:.1f} s → {count / seconds:,.0f} rows/s")


async def bench_storm(stub: intake_pb2_grpc.IntakeServiceStub, phases: Phases, url: str, alarms: int, devices: int,
                      concurrency: int) -> None:
    """An alarm storm from a regional outage: `alarms` alarms from `devices` devices, every device repeating
    one alarm code, as fast as the monitoring system can send them. Each device's alarms must fold into one
    case; none may be lost."""
    agent = auth("bench-agent", "agent")
    for n in range(devices):
        await stub.CreateAsset(pb.CreateAssetRequest(asset=pb.Asset(
            serial_number=f"STORM-{n}", manufacturer="Hikvision", model="DS-2CD", site_id=f"BENCH-S{n % SITES}",
            contract_id="BENCH-C1")), metadata=agent)
    monitoring = auth("bench-nms", "partner", companies=[COMPANY])
    gate = asyncio.Semaphore(concurrency)
    answered: list[float] = []

    async def one(n: int) -> None:
        async with gate:
            started = time.perf_counter()
            await stub.ReportAlarm(pb.ReportAlarmRequest(
                alarm_id=f"storm-{n}", serial_number=f"STORM-{n % devices}", alarm_code="VIDEO-LOSS",
                description=f"video loss (occurrence {n // devices})", severity=pb.STATED_SEVERITY_CRITICAL),
                metadata=monitoring)
            answered.append(time.perf_counter() - started)

    cpu_before = phases.meter.read()
    phases.profiles.start()
    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(alarms)))
    accepted = time.perf_counter() - started
    engine = create_async_engine(url)
    try:
        # every alarm was accepted (stored) above: delivered when none is pending. Counted through the deliverer's
        # index, not by grouping the table, so the bench takes little of PostgreSQL from the services it measures
        while True:
            async with engine.connect() as connection:
                pending = (await connection.execute(text(
                    "SELECT count(*) FROM intake.submissions WHERE state = 'pending'"))).scalar_one()
            if not pending:
                break
            await asyncio.sleep(0.2)
        delivered = time.perf_counter() - started
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT state, outcome, count(*), count(DISTINCT case_number) FROM intake.submissions "
                "WHERE channel = 'alarm' GROUP BY state, outcome"))).all()
            cases, notes = (await connection.execute(text(
                "SELECT count(DISTINCT case_number), count(DISTINCT note_batch) FROM intake.submissions "
                "WHERE channel = 'alarm'"))).one()
    finally:
        await engine.dispose()
    values = sorted(answered)
    by_outcome = ", ".join(f"{state}/{outcome} {count:,}" for state, outcome, count, _ in sorted(rows))
    print(f"  alarm storm: {alarms:,} alarms from {devices} devices, {concurrency} concurrent → accepted in "
          f"{accepted:.1f} s ({alarms / accepted:,.0f} alarms/s; ReportAlarm "
          f"p50 {percentile(values, .5) * 1000:.0f} ms, p99 {percentile(values, .99) * 1000:.0f} ms), "
          f"all delivered after {delivered:.1f} s; folded into {cases} cases, the repeats in {notes:,} notes "
          f"({by_outcome})")
    print(f"    {phases.meter.since(cpu_before, alarms, 'alarm')}")
    phases.print_profiles()


async def run(admin_url: str, amqp_url: str, args: argparse.Namespace) -> None:
    name, url = await create_database(admin_url, "aftercare_bench")
    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        cases_http, cases_grpc, intake_http, intake_grpc = free_port(), free_port(), free_port(), free_port()
        base = {**os.environ, "AFTERCARE_DATABASE_URL": url, "AFTERCARE_AMQP_URL": amqp_url,
                "AFTERCARE_HTTP_HOST": "127.0.0.1", "AFTERCARE_GRPC_HOST": "127.0.0.1",
                "AFTERCARE_LOG_LEVEL": "WARNING"}
        base.pop("AFTERCARE_SERVICE_NAME", None)
        processes.append(spawn("cases", {**base, "AFTERCARE_HTTP_PORT": str(cases_http),
                                         "AFTERCARE_GRPC_PORT": str(cases_grpc)}, cases_http, workdir / "cases.log"))
        processes.append(spawn("intake", {
            **base, "AFTERCARE_HTTP_PORT": str(intake_http), "AFTERCARE_GRPC_PORT": str(intake_grpc),
            "AFTERCARE_SMTP_PORT": str(free_port()), "AFTERCARE_CASES_GRPC_TARGET": f"127.0.0.1:{cases_grpc}",
            "AFTERCARE_ATTACHMENT_DIR": str(workdir / "attachments"), "AFTERCARE_MAX_REQUEST_BYTES": str(64 << 20),
        }, intake_http, workdir / "intake.log"))
        pids = {"cases": processes[0].pid, "intake": processes[1].pid}
        phases = Phases(CpuMeter(pids), Profiles(pids, args.profile), intake_http, args.rate)
        options = [("grpc.max_send_message_length", 64 << 20)]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{intake_grpc}", options=options) as channel:
            stub = intake_pb2_grpc.IntakeServiceStub(channel)
            await register(stub)
            await bench_grpc(stub, None, 20, 4, "warm-up")  # both services' connections and caches
            if args.submissions:  # 0: the storm or the import alone
                await bench_grpc(stub, phases, args.submissions, args.concurrency)
                await bench_http(stub, phases, args.submissions, args.concurrency)
            if args.alarms:
                await bench_storm(stub, phases, url, args.alarms, args.devices, args.concurrency * 2)
            if args.assets:
                await bench_import(stub, intake_http, args.assets)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        await drop_database(admin_url, name)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--assets", type=int, default=100_000, help="the CSV import's size (0: none)")
    parser.add_argument("--alarms", type=int, default=20_000, help="the alarm storm's size (0: none)")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="sample intake and cases with py-spy, phase by phase")
    parser.add_argument("--rate", type=float, default=0.0, help="submissions offered a second (0: closed loop)")
    args = parser.parse_args()
    print(f"intake → cases end to end on {describe()}")
    with ExitStack() as stack:
        servers = start_servers(stack)
        await run(servers.pg_admin_url, servers.amqp_url, args)


if __name__ == "__main__":
    os.environ.setdefault("AFTERCARE_LOG_LEVEL", "WARNING")
    run_on(ServiceSettings().event_loop, main())  # the bench client on the services' loop: less of their CPU
