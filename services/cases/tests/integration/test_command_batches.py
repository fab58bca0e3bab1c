"""Commands arriving together are applied in one transaction (an alarm storm's notes on many cases), each
exactly as it would be alone: once per request id, refused where alone it is refused, chains intact."""

import asyncio
import json

import grpc
from aftercare.cases.v1 import cases_pb2 as pb
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from .conftest import AGENT, create_request

CASES, NOTES_EACH = 10, 3


async def _code(call) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_notes_on_many_cases_commit_together_and_each_is_applied_once(cases, database_url, caplog, events):
    agent = cases.auth(*AGENT)
    opened = [(await cases.stub.CreateCase(create_request(f"batch-{i}"), metadata=agent)).case for i in range(CASES)]

    def note(i: int, k: int) -> pb.AddNoteRequest:
        return pb.AddNoteRequest(case_id=opened[i].case_id, text=f"alarm {i}.{k}", request_id=f"note-{i}-{k}")

    notes = [note(i, k) for i in range(CASES) for k in range(NOTES_EACH)]
    replays = notes[:5]  # sent twice at once: the second gets what the first did
    stranger = cases.auth("cust-9", "customer", company="company-b")
    replies, *codes = await asyncio.gather(
        asyncio.gather(*(cases.stub.AddNote(r, metadata=agent) for r in notes + replays)),
        _code(cases.stub.AddNote(pb.AddNoteRequest(case_id=opened[0].case_id, text="not mine", request_id="x-1"),
                                 metadata=stranger)),
        _code(cases.stub.Close(pb.CloseRequest(case_id=opened[1].case_id, reason="too early"), metadata=agent)),
        # one request id for two cases: one of them is applied, the other refused, whatever the order
        _code(cases.stub.AddNote(pb.AddNoteRequest(case_id=opened[2].case_id, text="same", request_id="dup"),
                                 metadata=agent)),
        _code(cases.stub.AddNote(pb.AddNoteRequest(case_id=opened[3].case_id, text="same", request_id="dup"),
                                 metadata=agent)),
    )
    assert codes[:2] == [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION]
    assert sorted(codes[2:], key=str) == sorted([grpc.StatusCode.OK, grpc.StatusCode.FAILED_PRECONDITION], key=str)

    by_request = {}
    for request, reply in zip(notes + replays, replies, strict=True):
        assert reply.entry.case_id == request.case_id and reply.entry.payload["text"] == request.text
        by_request.setdefault(request.request_id, set()).add(reply.entry.position)
    assert all(len(positions) == 1 for positions in by_request.values())  # a replay is the same entry

    for i, case in enumerate(opened):
        entries = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id), metadata=agent)).entries
        texts = sorted(json.loads(e.payload_json)["text"] for e in entries if e.kind == "note_added")
        expected = sorted([f"alarm {i}.{k}" for k in range(NOTES_EACH)] + (["same"] if i in (2, 3) else []))
        if i in (2, 3):
            assert texts in (expected, sorted(t for t in expected if t != "same"))
        else:
            assert texts == expected
        verified = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id), metadata=agent)
        assert verified.ok and verified.entries_checked == len(entries)
        current = (await cases.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), metadata=agent)).case
        assert current.status == pb.CASE_STATUS_NEW

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            notes_written = (await connection.execute(text(
                "SELECT count(*) FROM cases.timeline WHERE kind = 'note_added'"))).scalar_one()
            requests = (await connection.execute(text("SELECT count(*) FROM cases.command_requests"))).scalar_one()
            # rows one transaction wrote share its xmin: some transaction noted on several cases
            shared = (await connection.execute(text(
                "SELECT count(*) FROM (SELECT xmin::text FROM cases.timeline WHERE kind = 'note_added' "
                "GROUP BY xmin::text HAVING count(DISTINCT case_id) > 1) AS batches"))).scalar_one()
    finally:
        await engine.dispose()
    assert notes_written == requests == CASES * NOTES_EACH + 1
    assert await events.emitted("aftercare.case.note_added.v1", notes_written) == notes_written
    assert shared >= 1
    # a batch that failed would be masked by each command then running alone: none did, but for the one race
    # a batch may lose (the reused request id inserted by a command running alone at the same moment)
    failed = [r.exc_info[1] for r in caplog.records if r.name == "aftercare_platform.batching" and r.exc_info]
    assert all(isinstance(error, IntegrityError) and "pk_command_requests" in str(error) for error in failed)


async def test_one_request_id_sent_at_once_for_two_cases_alone_is_applied_once_and_refused_once(cases):
    """Alone (outside a batch) two commands lock different cases, so neither waits for the other's request id:
    the one that commits second meets the unique key, runs again, and is refused as a reused id (never a 500)."""
    from aftercare_platform.clock import SystemClock
    from aftercare_platform.errors import FailedPrecondition
    from aftercare_platform.service.assemble import open_database
    from cases.adapters.timeline_signals import TimelineSignals
    from cases.bootstrap import definition
    from cases.command_batch import CommandCall
    from cases.domain.actors import Actor, Role
    from cases.domain.commands import add_note
    from cases.domain.references import CaseRef
    from cases.handlers import CaseHandlers

    agent = cases.auth(*AGENT)
    first, second = [(await cases.stub.CreateCase(create_request(f"race-{i}"), metadata=agent)).case for i in (1, 2)]
    database = open_database(definition, cases.settings, SystemClock())
    handlers = CaseHandlers(database, TimelineSignals(database, channel="race_timeline"))
    actor = Actor(subject="agent-1", role=Role.AGENT)
    try:
        for attempt in range(5):
            calls = [CommandCall(actor, CaseRef(case_id=case.case_id), add_note, f"race-{attempt}", {"text": "same"})
                     for case in (first, second)]
            outcomes = await asyncio.gather(*(handlers._command_alone(call) for call in calls), return_exceptions=True)
            assert sorted(type(o).__name__ for o in outcomes) == ["FailedPrecondition", "Outcome"], outcomes
            assert any(isinstance(o, FailedPrecondition) and "request_id" in str(o) for o in outcomes)
    finally:
        await database.engine.dispose()


async def test_a_case_held_by_another_transaction_holds_up_only_its_own_commands(cases, database_url):
    """One batch runs at a time: a batch waiting for a busy case would stall every command behind it. The batch
    skips a case held elsewhere; that command waits alone, and the others go on."""
    import asyncpg

    agent = cases.auth(*AGENT)
    busy, free = [(await cases.stub.CreateCase(create_request(f"held-{i}"), metadata=agent)).case for i in (1, 2)]
    holder = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT 1 FROM cases.cases WHERE id = $1 FOR UPDATE", busy.case_id)
        waiting = asyncio.ensure_future(cases.stub.AddNote(
            pb.AddNoteRequest(case_id=busy.case_id, text="waits", request_id="held-busy"), metadata=agent))
        await asyncio.sleep(0.3)  # its batch has run and handed it to run alone, where it waits for the row
        reply = await asyncio.wait_for(cases.stub.AddNote(
            pb.AddNoteRequest(case_id=free.case_id, text="goes on", request_id="held-free"), metadata=agent), 10)
        assert reply.entry.payload["text"] == "goes on"
        assert not waiting.done()
        await held.rollback()
        assert (await asyncio.wait_for(waiting, 10)).entry.payload["text"] == "waits"
    finally:
        await holder.close()
