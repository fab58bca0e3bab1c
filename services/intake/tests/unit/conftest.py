"""The intake handlers on the platform's handler-test tier (aftercare_platform.testing.handlers: SQLite,
the service's own migrations), a fake cases gateway and a fake clock: no network, no waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.paging import PageTokens
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from intake.adapters.attachment_storage import InMemoryAttachmentStorage
from intake.adapters.cases_gateway import CaseGone, CasesRefused, CasesUnavailable, OpenedCase
from intake.bootstrap import definition
from intake.domain.case_plan import CasePlan
from intake.domain.duplicates import DuplicateRule
from intake.handlers.delivery import CaseDeliverer
from intake.handlers.pipeline import IntakePipeline
from intake.handlers.registry import RegistryHandlers

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
AGENT = Principal("agent-1", Role.AGENT)


@dataclass
class FakeCases:
    """CreateCase idempotent on the request id, AddNote on known numbers; can be down or refuse."""

    up: bool = True
    refuse: bool = False
    created: dict[str, tuple[OpenedCase, CasePlan]] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    note_requests: set[str] = field(default_factory=set)
    internal_notes: list[tuple[str, str]] = field(default_factory=list)  # agent-only: never shown to customers
    note_authors: list[Any] = field(default_factory=list)  # the on_behalf_of of each note added
    calls: int = 0
    lose_answers: int = 0  # so many AddNote answers are lost after the note was added (a timeout, say)
    gate: asyncio.Event | None = None  # when set here, CreateCase answers only once the gate opens
    called: asyncio.Event = field(default_factory=asyncio.Event)  # set on every call (a test clears it to wait)

    async def create_case(self, request_id: str, plan: CasePlan) -> OpenedCase:
        self.calls += 1
        self.called.set()
        if self.gate is not None:
            await self.gate.wait()
        if not self.up:
            raise CasesUnavailable("UNAVAILABLE: connection refused")
        if self.refuse:
            raise CasesRefused("INVALID_ARGUMENT: description: too long")
        if request_id in self.created:
            return OpenedCase(self.created[request_id][0].case_id, self.created[request_id][0].case_number, False)
        number = f"EA-20261121-{len(self.created) + 1:06d}"
        opened = OpenedCase(f"case-{len(self.created) + 1}", number, True, NOW)
        self.created[request_id] = (opened, plan)
        return opened

    async def add_note(self, request_id: str, case_number: str, text: str, *, internal: bool = False,
                       on_behalf: Any = None) -> OpenedCase:
        self.calls += 1
        self.called.set()
        if not self.up:
            raise CasesUnavailable("UNAVAILABLE: connection refused")
        for opened, _ in self.created.values():
            if opened.case_number == case_number:
                if request_id not in self.note_requests:  # as cases does: one note per request id
                    self.note_requests.add(request_id)
                    (self.internal_notes if internal else self.notes).append((case_number, text))
                    self.note_authors.append(on_behalf)
                if self.lose_answers:
                    self.lose_answers -= 1
                    raise CasesUnavailable("DEADLINE_EXCEEDED: the answer never came")
                return opened
        raise CaseGone(f"NOT_FOUND: case {case_number} not found")


@dataclass
class Service:
    database: Database
    clock: FakeClock
    cases: FakeCases
    deliverer: CaseDeliverer
    pipeline: IntakePipeline
    registry: RegistryHandlers
    bench: ServiceBench


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
        database, clock = bench.database, bench.clock
        cases = FakeCases()
        deliverer = CaseDeliverer(database, cases, clock, region="east", initial_backoff=1, max_backoff=8)
        pipeline = IntakePipeline(database, InMemoryAttachmentStorage(), deliverer, region="east",
                                  duplicate_rule=DuplicateRule(), submit_wait_seconds=0)
        registry = RegistryHandlers(database, "east", PageTokens("unit-test-page-tokens"))
        yield Service(database, clock, cases, deliverer, pipeline, registry, bench)


async def events(service: Service) -> list[str]:
    """The types of the events intake's handlers wrote to the outbox, in order."""
    return [event.type for event in await service.bench.events()]
