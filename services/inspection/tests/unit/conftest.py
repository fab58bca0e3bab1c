"""inspection's handlers on the platform's handler-test tier (aftercare_platform.testing.handlers: an
embedded SQLite database, its own migrations) with a fake clock and fake intake/dispatch gateways:
no network, no waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from inspection.adapters.gateways import CaseReport, ReceiptView, Unavailable
from inspection.bootstrap import definition
from inspection.domain.checklists import Item, ItemKind
from inspection.domain.plans import PRESETS, Plan
from inspection.handlers.deliveries import Deliveries
from inspection.handlers.execution import ExecutionHandlers
from inspection.handlers.plans import PlanHandlers
from inspection.handlers.ticker import Ticker
from inspection.handlers.watch import WatchHandlers
from inspection.reads import InspectionReads

# Monday 5 January 2026, 09:00 in Shanghai
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
AGENT = Principal("agent-1", Role.AGENT)
ENGINEER = Principal("eng-1", Role.ENGINEER)
ACME = Principal("li.lei", Role.CUSTOMER, company_id="ACME")
OTHER = Principal("mallory", Role.CUSTOMER, company_id="OTHER")
ITEMS = (Item("db", "database", "Database healthy", ItemKind.PASS_FAIL),
         Item("disk", "storage", "Disk used (%)", ItemKind.VALUE, high=80.0, unit="%"),
         Item("logs", "logs", "Log review", ItemKind.TEXT))


def quarterly(**changes: object) -> Plan:
    plan = Plan(id="P1", company_id="ACME", contract_id="ACME-C1", site_id="S1", asset_group="cameras",
                region="east", title="Quarterly on-site check", rule=PRESETS["quarterly"],
                starts_on=date(2026, 2, 2), checklist_id="health")
    return Plan(**{**plan.__dict__, **changes})  # type: ignore[arg-type]


@dataclass
class FakeIntake:
    up: bool = True
    cases_up: bool = True
    reports: list[CaseReport] = field(default_factory=list)
    receipts: dict[str, ReceiptView] = field(default_factory=dict)

    async def submit(self, report: CaseReport) -> ReceiptView:
        if not self.up:
            raise Unavailable("UNAVAILABLE: intake is down")
        for known in self.reports:
            if known.request_id == report.request_id:  # intake's idempotency on the request id
                return await self.receipt(f"R-{known.request_id}")
        self.reports.append(report)
        number = len(self.reports)
        self.receipts[f"R-{report.request_id}"] = ReceiptView(
            f"R-{report.request_id}", "submitted" if self.cases_up else "pending",
            f"case-{number}" if self.cases_up else "", f"CN-{number:04d}" if self.cases_up else "", "")
        return self.receipts[f"R-{report.request_id}"]

    async def receipt(self, receipt_id: str) -> ReceiptView:
        if not self.up:
            raise Unavailable("UNAVAILABLE: intake is down")
        found = self.receipts[receipt_id]
        if found.state == "pending" and self.cases_up:
            number = list(self.receipts).index(receipt_id) + 1
            found = self.receipts[receipt_id] = ReceiptView(receipt_id, "submitted", f"case-{number}",
                                                            f"CN-{number:04d}", "")
        return found


@dataclass
class FakeDispatch:
    up: bool = True
    visits: list[tuple[str, str, str]] = field(default_factory=list)
    rosters: list[dict[str, object]] = field(default_factory=list)

    lose_answer: bool = False  # dispatch makes the visit, but its answer never arrives
    keys: list[str] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)

    async def request_visit(self, *, case_id: str, site: str, reason: str, request_id: str) -> str:
        if not self.up:
            raise Unavailable("UNAVAILABLE: dispatch is down")
        self.keys.append(request_id)
        if request_id not in self.by_key:  # dispatch's idempotency on the request id
            self.visits.append((case_id, site, reason))
            self.by_key[request_id] = f"visit-{len(self.visits)}"
        if self.lose_answer:
            self.lose_answer = False
            raise Unavailable("UNAVAILABLE: the answer was lost")
        return self.by_key[request_id]

    async def put_roster(self, **roster: object) -> str:
        self.rosters.append(roster)
        return str(roster["roster_id"])


@dataclass
class Kit:
    bench: ServiceBench
    clock: FakeClock
    plans: PlanHandlers
    execution: ExecutionHandlers
    watches: WatchHandlers
    reads: InspectionReads
    ticker: Ticker
    deliveries: Deliveries
    intake: FakeIntake
    dispatch: FakeDispatch

    async def types(self) -> list[str]:
        return [event.type.removeprefix("aftercare.").removesuffix(".v1") for event in await self.bench.new_events()]

    async def checklist(self) -> None:
        await self.plans.put_checklist(AGENT, checklist_id="health", name="System health", items=ITEMS)


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[ServiceBench]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
        yield bench


@pytest.fixture
def kit(bench: ServiceBench) -> Kit:
    intake, dispatch = FakeIntake(), FakeDispatch()
    db = bench.database
    return Kit(bench, bench.clock, PlanHandlers(db), ExecutionHandlers(db), WatchHandlers(db), InspectionReads(db),
               Ticker(db), Deliveries(db, intake, dispatch, max_backoff_seconds=1.0), intake, dispatch)
