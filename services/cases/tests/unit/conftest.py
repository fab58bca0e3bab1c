"""Builders for the cases unit tests: people, a case walked to any status through the real commands, and
the handlers on SQLite (`cases`: the platform's handler-test tier)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from cases.adapters.timeline_signals import TimelineSignals
from cases.bootstrap import definition
from cases.domain import commands
from cases.domain.actors import Actor, Role, system_actor
from cases.domain.case import Asset, Caller, Case, FaultReport
from cases.domain.commands import NewCase
from cases.domain.cursor import CursorCodec
from cases.domain.vocabulary import CancelReason, Category, Kind, Priority, Status
from cases.handlers import CaseHandlers
from cases.reads import CaseReads

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def people() -> SimpleNamespace:
    return SimpleNamespace(
        agent=Actor("agent-1", Role.AGENT),
        engineer=Actor("eng-1", Role.ENGINEER),
        engineer2=Actor("eng-2", Role.ENGINEER),
        expert=Actor("expert-1", Role.EXPERT),
        supervisor=Actor("sup-1", Role.SUPERVISOR),
        admin=Actor("admin-1", Role.ADMIN),
        customer=Actor("cust-1", Role.CUSTOMER, company_id="company-a"),
        other_customer=Actor("cust-9", Role.CUSTOMER, company_id="company-b"),
        partner=Actor("partner-key-1", Role.PARTNER, company_id="company-a"),
        system=system_actor("survey"),
    )


def new_case_report(**overrides: Any) -> NewCase:
    report = NewCase(
        region="east",
        company_id="company-a",
        contract_id="contract-7",
        caller=Caller(name="Li Lei", phone="+86 138 0000 0000", email="li@example.com", address="1 Road"),
        description="Camera 12 shows no picture since 08:00",
        category=Category.A,
        kind=Kind.DEFECT,
        priority=Priority.P3,
        asset=Asset(serial_number="SN-1", manufacturer="Hikvision", model="DS-2CD", site="Gate 3"),
        error_codes=("E-1001",),
        customer_severity=Priority.P2,
    )
    return replace(report, **overrides)


FAULT_REPORT = FaultReport(
    cause="PoE switch port failed",
    method="moved the camera to port 7",
    result="picture restored",
    prevention="monitor PoE budget",
)


def walk_to(status: Status, people: SimpleNamespace, **report: Any) -> Case:
    """A case in `status`, reached through the commands as the real actors would run them."""
    at = iter(T0 + timedelta(minutes=i) for i in range(100))
    case = commands.open_case(
        new_case_report(**report), case_id="case-1", number="EA-20261121-000042", actor=people.agent, at=next(at)
    ).case
    if status is Status.NEW:
        return case
    if status is Status.CANCELLED:
        return commands.cancel(case, people.agent, next(at), reason=CancelReason.NOT_OURS, text="another vendor").case
    case = commands.assign(case, people.agent, next(at), assignee="eng-1").case
    if status is Status.ASSIGNED:
        return case
    case = commands.acknowledge(case, people.engineer, next(at), message="looking at it").case
    if status is Status.IN_PROGRESS:
        return case
    if status is Status.WAITING_CUSTOMER:
        return commands.set_waiting_for_customer(case, people.engineer, next(at), reason="need logs").case
    case = commands.resolve(case, people.engineer, next(at), fault_report=FAULT_REPORT).case
    if status is Status.RESOLVED:
        return case
    case = commands.confirm(case, people.customer, next(at)).case
    if status is Status.CLOSED:
        return case
    case = commands.reopen(case, people.system, next(at), reason="survey: unsatisfied").case
    assert status is Status.REOPENED
    return case


@pytest.fixture
def case_in(people: SimpleNamespace) -> Callable[..., Case]:
    def build(status: Status, **report: Any) -> Case:
        case = walk_to(status, people, **report)
        assert case.status is status
        return case

    return build


@pytest.fixture
def report() -> Callable[..., NewCase]:
    """A valid NewCase, with `overrides` replaced."""
    return new_case_report


@pytest.fixture
def fault_report() -> FaultReport:
    return FAULT_REPORT


@dataclass
class CasesBench:
    """The cases handlers on the platform's handler-test tier: SQLite, the service's migrations, a FakeClock."""

    bench: ServiceBench
    handlers: CaseHandlers
    reads: CaseReads
    signals: TimelineSignals

    @property
    def clock(self) -> FakeClock:
        return self.bench.clock


@pytest.fixture
async def cases(tmp_path: Path) -> AsyncIterator[CasesBench]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(T0)) as bench:
        signals = TimelineSignals(bench.database, channel="cases_timeline")
        await signals.start()
        reads = CaseReads(bench.database, signals, CursorCodec(bench.settings.page_token_secret))
        try:
            yield CasesBench(bench, CaseHandlers(bench.database, signals), reads, signals)
        finally:
            await signals.stop()
