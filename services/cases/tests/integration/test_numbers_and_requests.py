"""Case numbers under concurrency, and CreateCase idempotency on request ids."""

import asyncio

import grpc
import pytest
from cases.adapters.tables import cases as cases_table
from cases.adapters.tables import create_requests
from cases.domain.case_numbers import parse_case_number
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from .conftest import AGENT, create_request


async def test_fifty_concurrent_creations_in_one_region_get_fifty_distinct_gap_free_numbers(cases):
    metadata = cases.auth(*AGENT)
    replies = await asyncio.gather(
        *(cases.stub.CreateCase(create_request(f"burst-{i}"), metadata=metadata) for i in range(50))
    )
    numbers = [parse_case_number(r.case.case_number) for r in replies]
    assert len({str(n) for n in numbers}) == 50
    assert {n.region_code for n in numbers} == {"EA"} and len({n.local_date for n in numbers}) == 1
    assert sorted(n.sequence for n in numbers) == list(range(1, 51))
    assert len({r.case.case_id for r in replies}) == 50


async def test_the_same_request_id_twice_gives_one_case_and_a_changed_report_is_refused(cases, database_url):
    metadata = cases.auth(*AGENT)
    first, again = await asyncio.gather(
        cases.stub.CreateCase(create_request("same-id"), metadata=metadata),
        cases.stub.CreateCase(create_request("same-id"), metadata=metadata),
    )
    assert first.case.case_id == again.case.case_id and first.case.case_number == again.case.case_number
    assert sorted([first.created, again.created]) == [False, True]
    later = await cases.stub.CreateCase(create_request("same-id"), metadata=metadata)
    assert later.case.case_id == first.case.case_id and not later.created

    with pytest.raises(grpc.aio.AioRpcError) as changed:
        await cases.stub.CreateCase(create_request("same-id", description="another fault"), metadata=metadata)
    assert changed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "request_id" in changed.value.details()

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(select(func.count()).select_from(cases_table))).scalar_one() == 1
            assert (await connection.execute(select(func.count()).select_from(create_requests))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_failed_creation_gives_its_number_back(cases):
    """The sequence row is updated in the creating transaction: a refused report leaves no gap."""
    metadata = cases.auth(*AGENT)
    first = await cases.stub.CreateCase(create_request("ok-1"), metadata=metadata)
    partner = cases.auth("partner-key-1", "partner", companies=["company-z"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        # the key's reach is checked by the domain after the number was drawn, in the same transaction
        await cases.stub.CreateCase(create_request("bad-1"), metadata=partner)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    second = await cases.stub.CreateCase(create_request("ok-2"), metadata=metadata)
    sequences = [parse_case_number(r.case.case_number).sequence for r in (first, second)]
    assert sequences == [1, 2]


async def test_a_note_sent_again_with_its_request_id_is_added_once(cases):
    from aftercare.cases.v1 import cases_pb2 as pb

    agent = cases.auth(*AGENT)
    case = (await cases.stub.CreateCase(create_request("for-notes"), metadata=agent)).case

    def note(key: str, text: str = "the customer called back", **ref: str) -> pb.AddNoteRequest:
        return pb.AddNoteRequest(**(ref or {"case_id": case.case_id}), text=text, request_id=key)

    # a retry racing the first attempt, and a retry much later by case number: one note
    first, racing = await asyncio.gather(
        cases.stub.AddNote(note("note-1"), metadata=agent), cases.stub.AddNote(note("note-1"), metadata=agent)
    )
    later = await cases.stub.AddNote(note("note-1", case_number=case.case_number), metadata=agent)
    assert first.entry.position == racing.entry.position == later.entry.position
    assert first.entry.hash == later.entry.hash

    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await cases.stub.AddNote(note("note-1", text="something else"), metadata=agent)
    assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "request_id" in reused.value.details()

    # the key belongs to its caller; without a key every note is a new one
    other = await cases.stub.AddNote(note("note-1"), metadata=cases.auth("agent-2", "agent"))
    plain = [await cases.stub.AddNote(note(""), metadata=agent) for _ in range(2)]
    over_http = [
        (await cases.http.post(f"/v1/cases/{case.case_number}/notes", headers=cases.headers(*AGENT),
                               json={"text": "sent over HTTP", "request_id": "http-1"})).json()
        for _ in range(2)
    ]  # fmt: skip
    assert over_http[0] == over_http[1]

    timeline = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id), metadata=agent)).entries
    notes = [e for e in timeline if e.kind == "note_added"]
    assert len(notes) == 1 + 1 + 2 + 1  # note-1 once, agent-2's note-1, two plain notes, http-1 once
    assert len({e.position for e in [first.entry, other.entry, *(p.entry for p in plain)]}) == 4


async def test_assign_and_reassign_sent_again_with_their_request_id_change_the_case_once(cases):
    from aftercare.cases.v1 import cases_pb2 as pb

    system = cases.auth("dispatch", "system")
    case = (await cases.stub.CreateCase(create_request("for-dispatch"), metadata=cases.auth(*AGENT))).case
    assign = pb.AssignRequest(case_id=case.case_id, assignee_id="eng-1", reason="routed", request_id="route/1")
    first = (await cases.stub.Assign(assign, metadata=system)).case
    again = (await cases.stub.Assign(assign, metadata=system)).case
    assert first.version == again.version and again.assignee_id == "eng-1"

    replace = pb.ReassignRequest(case_id=case.case_id, assignee_id="eng-2", reason="no answer", request_id="sla/1")
    replies = await asyncio.gather(*(cases.stub.Reassign(replace, metadata=system) for _ in range(3)))
    assert {r.case.assignee_id for r in replies} == {"eng-2"} and len({r.case.version for r in replies}) == 1
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await cases.stub.Reassign(pb.ReassignRequest(case_id=case.case_id, assignee_id="eng-3", reason="no answer",
                                                     request_id="sla/1"), metadata=system)
    assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "request_id" in reused.value.details()

    timeline = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id),
                                             metadata=cases.auth(*AGENT))).entries
    assert [e.kind for e in timeline].count("assigned") == 2


async def test_a_burst_of_creations_opened_together_keeps_numbers_gap_free_ordered_and_each_case_whole(
        cases, database_url, events):
    """Creations that queue in one region are opened in batches (one transaction, one update of the number
    row): numbers stay gap-free and follow creation time, a repeated request id still gives one case, a
    refused report takes no number, and every case has its sealed first entry and its `case.created`."""
    from aftercare.cases.v1 import cases_pb2 as pb

    agent, other = cases.auth(*AGENT), cases.auth("agent-2", "agent")
    outsider = cases.auth("partner-key-1", "partner", companies=["company-z"])
    calls = []
    for i in range(80):
        if i % 10 == 3:  # the same request id again, racing the first
            calls.append(cases.stub.CreateCase(create_request(f"storm-{i - 1}"), metadata=agent))
        elif i % 10 == 7:  # the same request id from another caller is another request
            calls.append(cases.stub.CreateCase(create_request(f"storm-{i - 1}"), metadata=other))
        elif i % 20 == 9:
            calls.append(cases.stub.CreateCase(create_request(f"refused-{i}"), metadata=outsider))
        else:
            calls.append(cases.stub.CreateCase(create_request(f"storm-{i}"), metadata=agent))
    replies = await asyncio.gather(*calls, return_exceptions=True)

    refused = [r for r in replies if isinstance(r, grpc.aio.AioRpcError)]
    assert len(refused) == 4 and {r.code() for r in refused} == {grpc.StatusCode.PERMISSION_DENIED}
    answered = [r for r in replies if not isinstance(r, BaseException)]
    opened = {r.case.case_id: r.case for r in answered}
    assert len(opened) == 80 - 4 - 8  # every repeat of a request id (8 of them) answered with the first's case
    assert sum(r.created for r in answered) == len(opened)
    for i in range(3, 80, 10):
        assert replies[i].case.case_id == replies[i - 1].case.case_id
        assert sorted([replies[i].created, replies[i - 1].created]) == [False, True]

    sequences = sorted(parse_case_number(c.case_number).sequence for c in opened.values())
    assert sequences == list(range(1, len(opened) + 1))
    by_number = sorted(opened.values(), key=lambda c: parse_case_number(c.case_number).sequence)
    created = [c.created_at.ToDatetime() for c in by_number]
    assert created == sorted(created)  # a later number was never created earlier

    for case in opened.values():
        timeline = (await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=case.case_id),
                                                    metadata=agent))
        assert timeline.ok and timeline.entries_checked == 1
    published = await events.collect(len(opened), seconds=60)
    assert {e["type"] for e in published} == {"aftercare.case.created.v1"}
    assert {e["subject"]: e["data"]["caseNumber"] for e in published} == {
        c.case_id: c.case_number for c in opened.values()}


async def test_creations_of_several_regions_share_a_batch_and_each_region_numbers_gap_free(cases, database_url):
    """Creations queue in one batch whatever their regions (split per region, 32 in flight made batches five
    times smaller): each region still numbers its own day gap-free, in creation order."""
    from sqlalchemy import text

    agent = cases.auth(*AGENT)
    regions = ["east", "north", "south"]
    replies = await asyncio.gather(*(
        cases.stub.CreateCase(create_request(f"mixed-{i}", region=regions[i % 3]), metadata=agent)
        for i in range(60)))

    by_region: dict[str, list] = {}
    for reply in replies:
        by_region.setdefault(reply.case.region, []).append(reply.case)
    assert sorted(by_region) == regions
    for region, opened in by_region.items():
        numbers = sorted((parse_case_number(c.case_number) for c in opened), key=lambda n: n.sequence)
        assert {n.region_code for n in numbers} == {region[:2].upper()}
        assert [n.sequence for n in numbers] == list(range(1, 21))
        in_order = sorted(opened, key=lambda c: parse_case_number(c.case_number).sequence)
        assert [c.created_at.ToDatetime() for c in in_order] == sorted(c.created_at.ToDatetime() for c in opened)

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            # rows a transaction inserted share its xmin: some transaction opened cases of several regions
            mixed = (await connection.execute(text(
                "SELECT count(*) FROM (SELECT xmin::text FROM cases.cases GROUP BY xmin::text "
                "HAVING count(DISTINCT region) > 1) AS batches"))).scalar_one()
    finally:
        await engine.dispose()
    assert mixed >= 1


async def test_a_note_its_entry_and_its_request_id_are_written_by_one_statement(cases):
    """On PostgreSQL the case row's update carries the new entries and the request id as CTEs, and notifies."""
    from aftercare.cases.v1 import cases_pb2 as pb
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    agent = cases.auth(*AGENT)
    case = (await cases.stub.CreateCase(create_request("one-statement"), metadata=agent)).case
    written: list[str] = []

    def seen(conn, cursor, statement, *rest) -> None:
        if any(part in statement for part in ("cases.timeline", "cases.command_requests", "UPDATE cases.cases",
                                              "pg_notify")):
            written.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="on site at 10", request_id="one-1"),
                                 metadata=agent)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    writes = [s for s in written if "INSERT" in s or "UPDATE" in s or "pg_notify" in s]
    assert len(writes) == 1  # and it wakes other replicas' WatchCase streams itself (NOTIFY is sent at commit)
    assert all(part in writes[0] for part in ("INSERT INTO cases.timeline", "INSERT INTO cases.command_requests",
                                              "UPDATE cases.cases", "pg_notify"))


async def test_other_replicas_hear_of_a_note_when_it_commits_and_not_of_a_case_being_opened(cases, database_url):
    """WatchCase streams of other replicas wake on the service's timeline channel."""
    import asyncpg
    from aftercare.cases.v1 import cases_pb2 as pb
    from aftercare_platform.db.listen import asyncpg_dsn

    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await listener.add_listener("cases_timeline", lambda *args: heard.put_nowait(args[-1]))
        agent = cases.auth(*AGENT)
        case = (await cases.stub.CreateCase(create_request("heard-1"), metadata=agent)).case
        await listener.fetchval("SELECT 1")  # the server hands a listener what was sent before, after a command
        assert heard.empty()  # nobody can be watching a case being opened
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="parts ordered", request_id="heard-n"),
                                 metadata=agent)
        assert await asyncio.wait_for(heard.get(), 30) == case.case_id
    finally:
        await listener.close()


async def test_a_batch_of_creations_runs_statements_compiled_once(cases):
    """Every statement a burst of creations sends has a cache key, so it is compiled once and not per batch
    (rows given in .values() made the request-id claim a statement SQLAlchemy cannot cache)."""
    from aftercare_platform.testing.statement_cache import statements_without_cache_key

    agent = cases.auth(*AGENT)
    with statements_without_cache_key("cases") as uncached:
        for burst in range(2):
            await asyncio.gather(*(cases.stub.CreateCase(create_request(f"compiled-{burst}-{i}"), metadata=agent)
                                   for i in range(12)))
    assert uncached == []


async def test_a_batch_of_creations_writes_its_cases_and_their_first_entries_in_one_statement(cases):
    """On PostgreSQL each new case's row carries its first entries as a CTE, and a batch's rows go as one
    executemany (pipelined: one round trip), not a statement for the cases and another for the entries; the
    request ids are claimed and the numbers taken by one statement, not two."""
    from aftercare.cases.v1 import cases_pb2 as pb
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    agent = cases.auth(*AGENT)
    written: list[tuple[str, bool]] = []

    claimed: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if "cases.timeline" in statement or "INSERT INTO cases.cases" in statement:
            written.append((statement, executemany))
        if "create_requests" in statement or "case_number_sequences" in statement:
            claimed.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        replies = await asyncio.gather(*(cases.stub.CreateCase(create_request(f"together-{i}"), metadata=agent)
                                         for i in range(12)))
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert written and all("INSERT INTO cases.timeline" in s and "INSERT INTO cases.cases" in s for s, _ in written)
    assert any(many for _, many in written), "a batch of several creations"
    assert len(claimed) < len(replies) and all("cases.create_requests" in s and "cases.case_number_sequences" in s
                                               for s in claimed)
    for reply in replies:
        timeline = await cases.stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=reply.case.case_id),
                                                   metadata=agent)
        assert timeline.ok and timeline.entries_checked == 1
