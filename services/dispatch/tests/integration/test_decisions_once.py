"""A decision is carried out once even when the consumer's transaction dies after cases was told:
on PostgreSQL and on SQLite (embedded mode), with cases replaced by a recorder of its calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.statement_cache import statements_without_cache_key
from dispatch.adapters.case_gateway import CaseFacts
from dispatch.bootstrap import definition
from dispatch.domain.routing import CaseToRoute
from dispatch.domain.sla_actions import Firing, SlaAction
from dispatch.handlers import DispatchHandlers
from sqlalchemy import func, select

from .conftest import engineer, round_the_clock, seconds


@dataclass
class RecordingCases:
    """Stands in for cases: remembers each change by request id, as cases' request ids do."""

    assignee: str = ""
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    applied: dict[str, str] = field(default_factory=dict)

    async def get_case(self, case_id: str) -> CaseFacts:
        return CaseFacts(case_id, "EA-20261203-000001", "east", "acme", "", "A", "", "", "assigned", self.assignee)

    async def _change(self, kind: str, assignee: str, request_id: str) -> None:
        self.calls.append((kind, assignee, request_id))
        if request_id not in self.applied:
            self.applied[request_id] = assignee
            self.assignee = assignee

    async def assign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None:
        await self._change("assign", assignee_id, request_id)

    async def reassign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None:
        await self._change("reassign", assignee_id, request_id)

    async def escalate(self, case_id: str, reason: str, request_id: str) -> None:
        await self._change("escalate", "", request_id)

    async def record_loaner(self, case_id: str, *, issued: bool, serial: str, device_class: str, summary: str,
                            request_id: str) -> None:
        await self._change("loaner_issued" if issued else "loaner_returned", serial, request_id)

    async def add_note(self, case_id: str, text: str, request_id: str) -> None:
        await self._change("note", text, request_id)

    async def close(self) -> None:
        return None


class Crash(Exception):
    """The process died before the consumer's transaction committed."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 8, tzinfo=UTC))


@pytest.fixture(params=["postgresql", "sqlite"])
async def database(request: pytest.FixtureRequest, servers: Servers, tmp_path: Path,
                   clock: FakeClock) -> AsyncIterator[Database]:
    name = ""
    if request.param == "postgresql":
        name, url = await create_database(servers.pg_admin_url)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'dispatch.sqlite3'}"
    settings = definition.settings(database_url=url, amqp_url="")
    await migrate(definition, settings)
    opened = open_database(definition, settings, clock)
    yield opened
    await opened.close()
    if name:
        await drop_database(servers.pg_admin_url, name)


async def _outbox(database: Database, event_type: str) -> int:
    outbox = database.tables.outbox
    async with database.engine.connect() as connection:
        found = await connection.execute(select(func.count()).where(outbox.c.event_type == event_type))
        return int(found.scalar_one())


async def test_a_routing_told_to_cases_then_lost_is_not_done_twice(database: Database) -> None:
    cases = RecordingCases()
    handlers = DispatchHandlers(database, cases)
    for person in ("eng-a", "eng-b"):
        await handlers.put_engineer(engineer(person))
    await handlers.put_roster(round_the_clock("east-duty", "eng-a", "eng-b"))
    case = CaseToRoute("case-1", "east", company_id="acme")
    with statements_without_cache_key("dispatch") as uncached:
        await _route_and_reassign_through_redeliveries(database, handlers, cases, case)
    if is_postgres(database.engine):
        assert uncached == []  # every statement compiled once, not on each event (SQLite's ON CONFLICT is not)


async def _route_and_reassign_through_redeliveries(database: Database, handlers: DispatchHandlers,
                                                   cases: RecordingCases, case: CaseToRoute) -> None:
    with pytest.raises(Crash):
        async with database.unit_of_work() as uow:
            await handlers.route_new_case(uow, case, "EA-20261203-000001")
            raise Crash  # cases was told; the inbox claim and the event die with this transaction
    async with database.unit_of_work() as uow:  # the redelivery
        await handlers.route_new_case(uow, case, "EA-20261203-000001")
    async with database.unit_of_work() as uow:  # and a duplicate of it
        await handlers.route_new_case(uow, case, "EA-20261203-000001")

    assert [c[2] for c in cases.calls] == ["route/case-1/created"] * 2
    assert len({c[1] for c in cases.calls}) == 1 and cases.assignee == "eng-a"
    assert await _outbox(database, "aftercare.dispatch.assigned.v1") == 1
    decisions = await handlers.explain("case-1")
    assert [(d.purpose, d.chosen, d.state) for d in decisions] == [("route", "eng-a", "done")]

    # the reassign action of a warning, delivered three times: one replacement
    firing = Firing("case-1", "FIRST_RESPONSE", 1, "warning-1", (SlaAction("reassign"),))
    for _ in range(3):
        async with database.unit_of_work() as uow:
            await handlers.act_on_firing(uow, firing, "east", "warning 45m of FIRST_RESPONSE")
    assert [c[:2] for c in cases.calls[2:]] == [("reassign", "eng-b")]
    assert await _outbox(database, "aftercare.dispatch.reassigned.v1") == 1


async def test_a_case_back_at_the_desk_is_routed_again_once_per_reopening(database: Database) -> None:
    cases = RecordingCases()  # the case as cases has it: nobody holds it
    handlers = DispatchHandlers(database, cases)
    await handlers.put_engineer(engineer("eng-r"))
    await handlers.put_roster(round_the_clock("east-duty", "eng-r"))
    for _ in range(2):  # the reopened event, delivered twice
        async with database.unit_of_work() as uow:
            await handlers.route_returned_case(uow, "case-1", "reopened-1")
    assert [c[2] for c in cases.calls] == ["route/case-1/reopened-1"]
    assert cases.assignee == "eng-r"
    async with database.unit_of_work() as uow:  # held by someone now: nothing to route
        await handlers.route_returned_case(uow, "case-1", "reopened-2")
    assert len(cases.calls) == 1


async def test_bad_roster_data_is_refused_naming_the_field(database: Database) -> None:
    handlers = DispatchHandlers(database, RecordingCases())
    roster = round_the_clock("r", "eng-a")
    roster.layers[0].rule = "FREQ=NEVER"
    with pytest.raises(InvalidArgument) as refused:
        await handlers.put_roster(roster)
    assert refused.value.violations[0].field == "layers[eng-a-layer].rule"
    assert await handlers.roster_messages() == []
    assert isinstance(roster, pb.Roster)


async def test_a_shift_ending_lists_its_open_cases_for_the_next_engineer(database: Database) -> None:
    handlers = DispatchHandlers(database, RecordingCases())
    for person in ("eng-a", "eng-b"):
        await handlers.put_engineer(engineer(person))
    roster = pb.Roster(roster_id="east-shifts", region="east", team="east-field", time_zone="Asia/Shanghai", layers=[
        pb.RotationLayer(name="day", member_ids=["eng-a"], rule="FREQ=DAILY;BYHOUR=9",
                         start_local="2026-11-01T09:00:00", shift_length=seconds(9 * 3600)),
        pb.RotationLayer(name="night", member_ids=["eng-b"], rule="FREQ=DAILY;BYHOUR=18",
                         start_local="2026-11-01T18:00:00", shift_length=seconds(15 * 3600))])
    await handlers.put_roster(roster)
    async with database.unit_of_work() as uow:  # 16:00 in Beijing: the day shift takes it
        await handlers.route_new_case(uow, CaseToRoute("case-7", "east"), "EA-20261130-000007")

    found = await handlers.handovers("east-shifts", datetime(2026, 11, 30, 8, tzinfo=UTC),
                                     datetime(2026, 11, 30, 12, tzinfo=UTC))
    assert [(h.outgoing, h.incoming, h.at, cases) for h, cases in found] == [
        ("eng-a", ("eng-b",), datetime(2026, 11, 30, 10, tzinfo=UTC), ["case-7"])]
