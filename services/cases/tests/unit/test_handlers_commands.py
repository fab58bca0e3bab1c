"""The command handlers on SQLite with a FakeClock: each command loads the case, decides, saves it with
its sealed timeline entries and writes its events to the outbox, all in one transaction."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import FailedPrecondition, PermissionDenied
from cases.domain import commands
from cases.domain.case import FaultReport
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Status, Visibility

from .conftest import T0, CasesBench, new_case_report


def types(events: list) -> list[str]:
    return [event.type.removeprefix("aftercare.case.").removesuffix(".v1") for event in events]


async def test_create_case_numbers_it_in_its_regions_day_and_announces_it(cases: CasesBench, people) -> None:
    created = await cases.handlers.create_case(people.agent, "req-1", new_case_report())
    assert created.created and created.case.status is Status.NEW
    # 01:00 UTC is 09:00 in Shanghai: the east region's 21 November
    assert created.case.number == "EA-20261121-000001" and created.case.created_at == T0
    events = await cases.bench.new_events()
    assert types(events) == ["created"]
    assert events[0].subject == created.case.id and events[0].time == T0 and events[0].region == "east"
    second = await cases.handlers.create_case(people.agent, "req-2", new_case_report(description="Another"))
    assert second.case.number == "EA-20261121-000002"


async def test_the_same_request_id_gives_the_same_case_and_no_second_event(cases: CasesBench, people) -> None:
    first = await cases.handlers.create_case(people.agent, "req-1", new_case_report())
    again = await cases.handlers.create_case(people.agent, "req-1", new_case_report())
    assert not again.created and again.case.id == first.case.id
    assert types(await cases.bench.new_events()) == ["created"]
    with pytest.raises(FailedPrecondition) as refused:
        await cases.handlers.create_case(people.agent, "req-1", new_case_report(description="Something else"))
    assert refused.value.violations[0].field == "request_id"


async def test_assign_acknowledge_note_resolve(cases: CasesBench, people, fault_report: FaultReport) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    ref = CaseRef(case_id=case.id)
    cases.clock.advance(timedelta(minutes=5))
    assigned = await cases.handlers.execute(people.agent, ref, commands.assign, assignee="eng-1")
    assert assigned.case.status is Status.ASSIGNED and assigned.case.assignee == "eng-1"
    cases.clock.advance(timedelta(minutes=5))
    acknowledged = await cases.handlers.execute(people.engineer, ref, commands.acknowledge, message="looking")
    assert acknowledged.case.status is Status.IN_PROGRESS
    assert acknowledged.case.updated_at == T0 + timedelta(minutes=10)
    noted = await cases.handlers.execute(people.engineer, ref, commands.add_note, text="PoE port?",
                                         visibility=Visibility.INTERNAL)
    assert [e.kind for e in noted.entries] == ["note_added"] and noted.entries[0].visibility is Visibility.INTERNAL
    resolved = await cases.handlers.execute(people.engineer, ref, commands.resolve, fault_report=fault_report)
    assert resolved.case.status is Status.RESOLVED

    stored = await cases.reads.get(people.agent, ref)
    assert stored.status is Status.RESOLVED and stored.version == resolved.case.version
    events = await cases.bench.new_events()
    assert types(events) == ["created", "assigned", "acknowledged", "note_added", "resolved"]
    assert {event.subject for event in events} == {case.id}
    assert events[1].time == T0 + timedelta(minutes=5) and events[2].time == T0 + timedelta(minutes=10)
    assert events[3].data["internal"] is True and "text" not in events[3].data
    page = await cases.reads.timeline(people.agent, ref, after=0, page_size=50)
    assert [e.position for e in page.entries] == list(range(1, len(page.entries) + 1))
    assert (await cases.reads.verify(people.agent, ref)).ok
    customer_view = await cases.reads.timeline(people.customer, ref, after=0, page_size=50)
    assert "note_added" not in [e.kind for e in customer_view.entries], "internal notes stay with staff"


async def test_a_refused_command_changes_nothing_and_emits_nothing(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    ref = CaseRef(case_id=case.id)
    await cases.handlers.execute(people.agent, ref, commands.assign, assignee="eng-1")
    await cases.bench.new_events()
    with pytest.raises(PermissionDenied):
        await cases.handlers.execute(people.engineer2, ref, commands.acknowledge, message="not mine")
    assert (await cases.reads.get(people.agent, ref)).status is Status.ASSIGNED
    assert await cases.bench.new_events() == []


async def test_a_note_sent_twice_with_one_request_id_is_added_once(cases: CasesBench, people: SimpleNamespace) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    ref = CaseRef(case_id=case.id)
    first = await cases.handlers.execute(people.agent, ref, commands.add_note, request_id="note-1", text="called")
    again = await cases.handlers.execute(people.agent, ref, commands.add_note, request_id="note-1", text="called")
    assert [e.position for e in again.entries] == [e.position for e in first.entries]
    assert types(await cases.bench.new_events()) == ["created", "note_added"]
    with pytest.raises(FailedPrecondition):
        await cases.handlers.execute(people.agent, ref, commands.add_note, request_id="note-1", text="other")


async def test_a_committed_change_wakes_the_cases_watchers(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    watch = cases.signals.watch(case.id)
    try:
        watch.clear()
        await cases.handlers.execute(people.agent, CaseRef(case_id=case.id), commands.add_note, text="hello")
        assert watch.event.is_set()
    finally:
        watch.close()
