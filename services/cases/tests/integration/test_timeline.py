"""The timeline: the database refuses to edit or remove an entry, VerifyTimeline recomputes the chain
from the stored rows, and WatchCase streams entries in order, live, resuming after a reconnect."""

import asyncio

import asyncpg
import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from sqlalchemy.engine import make_url

from .conftest import AGENT, create_request


def _dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _case_with_notes(cases, notes: int) -> pb.Case:
    agent = cases.auth(*AGENT)
    case = (await cases.stub.CreateCase(create_request("timeline-1"), metadata=agent)).case
    for i in range(notes):
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text=f"note {i + 1}"), metadata=agent)
    return case


async def test_the_database_refuses_update_delete_and_truncate_on_the_timeline(cases, database_url):
    case = await _case_with_notes(cases, 1)
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        for statement in (
            "UPDATE cases.timeline SET payload = '{\"text\":\"edited\"}' WHERE case_id = $1 AND position = 2",
            "DELETE FROM cases.timeline WHERE case_id = $1",
        ):
            with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
                await connection.execute(statement, case.case_id)
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only: TRUNCATE"):
            await connection.execute("TRUNCATE cases.timeline CASCADE")
        rows = await connection.fetch("SELECT position, payload FROM cases.timeline WHERE case_id = $1 ORDER BY 1",
                                      case.case_id)
    finally:
        await connection.close()
    assert [r["position"] for r in rows] == [1, 2] and rows[1]["payload"] == '{"text":"note 1"}'


async def test_verify_timeline_recomputes_the_chain_from_the_database(cases, database_url):
    case = await _case_with_notes(cases, 3)
    agent = cases.auth(*AGENT)
    verified = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id), metadata=agent)
    assert verified.ok and verified.entries_checked == 4 and verified.first_bad_position == 0
    entries = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id), metadata=agent)).entries
    assert verified.head_hash == entries[-1].hash
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]

    # someone with the owner's rights switches the trigger off and rewrites history
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        async with connection.transaction():
            await connection.execute("ALTER TABLE cases.timeline DISABLE TRIGGER timeline_no_update_or_delete")
            await connection.execute("UPDATE cases.timeline SET payload = '{\"text\":\"all fine\"}' "
                                     "WHERE case_id = $1 AND position = 3", case.case_id)
            await connection.execute("ALTER TABLE cases.timeline ENABLE TRIGGER timeline_no_update_or_delete")
    finally:
        await connection.close()
    tampered = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_number=case.case_number), metadata=agent)
    assert not tampered.ok and tampered.first_bad_position == 3 and "hash" in tampered.reason
    over_http = await cases.http.get(f"/v1/cases/{case.case_id}/timeline/verification", headers=cases.headers(*AGENT))
    assert over_http.json()["ok"] is False and over_http.json()["first_bad_position"] == 3


async def _read(call, count: int) -> list[pb.TimelineEntry]:
    entries = []
    for _ in range(count):
        reply = await asyncio.wait_for(call.read(), 20)
        assert reply is not grpc.aio.EOF, "the stream ended"
        entries.append(reply.entry)
    return entries


async def test_watch_case_streams_in_order_and_resumes_after_a_reconnect(cases):
    case = await _case_with_notes(cases, 2)
    agent = cases.auth(*AGENT)
    customer = cases.auth("cust-1", "customer", "company-a")

    first = cases.stub.WatchCase(pb.WatchCaseRequest(case_id=case.case_id), metadata=customer)
    backlog = await _read(first, 3)
    assert [e.position for e in backlog] == [1, 2, 3] and backlog[0].kind == "created"

    async def add(text: str, internal: bool = False) -> None:
        visibility = pb.VISIBILITY_INTERNAL if internal else pb.VISIBILITY_PUBLIC
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text=text, visibility=visibility),
                                 metadata=agent)

    await add("live 1")
    await add("staff only", internal=True)
    await add("live 2")
    live = await _read(first, 2)
    # the customer's own numbering: no gap where the internal entry is (issue 10)
    assert [(e.position, e.payload["text"]) for e in live] == [(4, "live 1"), (5, "live 2")]
    first.cancel()

    # appended while the watcher was away: it resumes from the last position it received
    await add("while away 1")
    await add("while away 2")
    resumed = cases.stub.WatchCase(pb.WatchCaseRequest(case_number=case.case_number, after_position=5),
                                   metadata=customer)
    again = await _read(resumed, 2)
    assert [(e.position, e.payload["text"]) for e in again] == [(6, "while away 1"), (7, "while away 2")]
    await add("after resume")
    assert [e.position for e in await _read(resumed, 1)] == [8]
    resumed.cancel()

    staff = cases.stub.WatchCase(pb.WatchCaseRequest(case_id=case.case_id, after_position=4), metadata=agent)
    seen = await _read(staff, 5)
    assert [e.position for e in seen] == [5, 6, 7, 8, 9] and seen[0].visibility == pb.VISIBILITY_INTERNAL
    staff.cancel()
