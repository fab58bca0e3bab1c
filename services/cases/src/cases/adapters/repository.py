"""Cases, their timelines, numbers and request ids in SQL. Thin: no rule is decided here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aftercare_platform.db.statements import Bind, insert_ignore, is_postgres, prebuilt, upsert
from aftercare_platform.errors import FailedPrecondition
from sqlalchemy import String, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.case_codec import case_columns, case_from_document
from cases.adapters.tables import case_number_sequences, cases, command_requests, create_requests, timeline
from cases.domain.case import Case
from cases.domain.decisions import Decision
from cases.domain.references import CaseRef
from cases.domain.timeline import ChainHead, TimelineEntry, canonical_json, seal
from cases.domain.vocabulary import Visibility

# timeline kinds whose `text` SearchCases finds ("notes"); a `resolved` entry adds its fault report
SEARCHED_KINDS = frozenset({"note_added", "correction"})


@dataclass(frozen=True)
class StoredCase:
    case: Case
    head: ChainHead


@dataclass(frozen=True)
class RequestClaim:
    """A CreateCase request id: fresh (this transaction owns it) or the case an earlier one created."""

    case_id: str
    fingerprint: str
    fresh: bool


def _case_query(_bind: Bind, by_number: bool, locked: bool) -> Any:
    """The case's read by id or number, locked or not: the case named as a parameter."""
    key = cases.c.number if by_number else cases.c.id
    query = select(cases.c.document, cases.c.head_position, cases.c.head_hash).where(
        key == bindparam("the_ref", type_=key.type))
    return query.with_for_update() if locked else query


async def find_case(executor: AsyncConnection, ref: CaseRef, *, for_update: bool = False) -> StoredCase | None:
    """The case and its chain head; with `for_update` the row stays locked until the transaction ends."""
    by_number = ref.case_id is None
    query = prebuilt(executor, _case_query, by_number, for_update)
    row = (await executor.execute(query, {"the_ref": ref.number if by_number else ref.case_id})).first()
    return stored_case(row) if row is not None else None


def stored_case(row: Any) -> StoredCase:
    case = case_from_document(row.document)
    return StoredCase(case, ChainHead(case.id, int(row.head_position), str(row.head_hash)))


async def next_sequences(connection: AsyncConnection, region: str, day: date, count: int) -> int:
    """The first of the next `count` numbers of (region, day), taken together under the row lock. The row
    stays locked until commit, so concurrent creators queue on it and a rolled-back creation gives its
    numbers back: no duplicates, no gaps."""
    taken = await connection.execute(prebuilt(connection, _take_numbers), {"region": region, "day": day, "last": count})
    return int(taken.scalar_one()) - count + 1


def _take_numbers(bind: Bind) -> Any:
    table = case_number_sequences
    return upsert(bind, table, ["region", "day"], update=[], set_=lambda excluded: {
        "last": table.c.last + excluded.last}).returning(table.c.last)


async def claim_requests(connection: AsyncConnection, claims: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    """Record many CreateCase request ids at once (rows as `claim_request` writes them); returns the
    (requester, request_id) pairs that were fresh. The rest were claimed before (or are being claimed by a
    transaction this one waited for). Rows go in key order, so two batches never wait on each other crosswise."""
    rows = sorted(claims, key=lambda c: (c["requester"], c["request_id"]))
    # the rows as executemany parameters: SQLAlchemy renders them into one INSERT from a statement it compiled
    # once (`insertmanyvalues`), where rows in .values() gave a statement with no cache key, compiled per batch
    claimed = await connection.execute(prebuilt(connection, _claim_requests), rows)
    return {(str(r.requester), str(r.request_id)) for r in claimed}


def _claim_requests(bind: Bind) -> Any:
    table = create_requests
    return insert_ignore(bind, table, ["requester", "request_id"]).returning(table.c.requester, table.c.request_id)


async def claim_request(
    connection: AsyncConnection, *, requester: str, request_id: str, fingerprint: str, case_id: str, at: datetime
) -> RequestClaim:
    """Record `request_id` for `case_id`, or find the case it already names. A concurrent claim of the
    same id waits here until the other transaction ends (PostgreSQL's unique index does that)."""
    table = create_requests
    claim = {"requester": requester, "request_id": request_id, "fingerprint": fingerprint, "case_id": case_id,
             "created_at": at}
    statement = insert_ignore(connection, table, ["requester", "request_id"], claim)
    result = await connection.execute(statement)
    if result.rowcount:
        return RequestClaim(case_id, fingerprint, fresh=True)
    row = (
        await connection.execute(
            select(table.c.case_id, table.c.fingerprint).where(
                table.c.requester == requester, table.c.request_id == request_id
            )
        )
    ).one()
    return RequestClaim(str(row.case_id), str(row.fingerprint), fresh=False)


@dataclass(frozen=True)
class CommandRequest:
    case_id: str
    fingerprint: str
    positions: tuple[int, ...]


async def find_command_request(
    connection: AsyncConnection, *, requester: str, request_id: str
) -> CommandRequest | None:
    """What a command sent earlier with this request id did (the caller holds the case's row lock)."""
    found = await connection.execute(_FIND_COMMAND_REQUEST, {"the_requester": requester, "the_request": request_id})
    row = found.one_or_none()
    if row is None:
        return None
    return CommandRequest(str(row.case_id), str(row.fingerprint), tuple(int(p) for p in row.positions))


_FIND_COMMAND_REQUEST = select(command_requests.c.case_id, command_requests.c.fingerprint,
                               command_requests.c.positions).where(
    command_requests.c.requester == bindparam("the_requester"),
    command_requests.c.request_id == bindparam("the_request"))


# the request id recorded on its own (embedded SQLite)
_RECORD_COMMAND_REQUEST = insert(command_requests)


def search_texts(case: Case | None, entries: Sequence[TimelineEntry]) -> tuple[str, str]:
    """The words a change adds to SearchCases' public and internal text."""
    public: list[str] = [] if case is None else [case.number, case.description, *case.error_codes]
    internal: list[str] = []
    for entry in entries:
        text = entry.payload.get("text")
        if entry.kind in SEARCHED_KINDS and isinstance(text, str):
            (public if entry.is_public else internal).append(text)
        report = entry.payload.get("fault_report")
        if entry.kind == "resolved" and isinstance(report, dict):  # the fault report: the knowledge base
            words = (report.get(part) for part in ("cause", "method", "result", "prevention"))
            public.extend(w for w in words if isinstance(w, str))
    return " ".join(public), " ".join(internal)


async def insert_case(
    connection: AsyncConnection, case: Case, entries: Sequence[TimelineEntry], head: ChainHead
) -> None:
    await insert_cases(connection, [(case, entries, head)])


async def insert_cases(
    connection: AsyncConnection, opened: Sequence[tuple[Case, Sequence[TimelineEntry], ChainHead]]
) -> None:
    """Many new cases and their first entries. PostgreSQL: each case's row with its entries as a CTE, an
    executemany pipelined in one round trip; SQLite: one statement for the cases, one for the entries."""
    together = is_postgres(connection)
    rows = []
    for case, entries, head in opened:
        public, internal = search_texts(case, entries)
        row = case_columns(case) | {"head_position": head.position, "head_hash": head.hash,
                                    "search_text": public, "internal_text": internal}
        rows.append(row | _entry_arrays(entries) if together else row)
    if together:
        await connection.execute(prebuilt(connection, _case_insert), rows)
        return
    await connection.execute(insert(cases), rows)
    await append_entries(connection, [entry for _, entries, _ in opened for entry in entries])


def _case_insert(_bind: Bind) -> Any:
    """A new case's row, its columns as parameters, with its entries (`_entry_arrays`) inserted by a CTE."""
    values = {column.name: bindparam(column.name, type_=column.type) for column in cases.c}
    return insert(cases).values(values).add_cte(_entries_cte())


def _entry_arrays(entries: Sequence[TimelineEntry]) -> dict[str, list[Any]]:
    """Entries as one array per timeline column, the parameters of `_entries_cte`."""
    rows = [entry_row(entry) for entry in entries]
    return {f"entry_{column.name}": [row[column.name] for row in rows] for column in timeline.c}


def _entries_cte() -> Any:
    """Entries inserted from one array per column (any count, one statement), unnested in parallel."""
    arrays = [func.unnest(bindparam(f"entry_{column.name}", type_=postgresql.ARRAY(column.type)))
              for column in timeline.c]
    return insert(timeline).from_select(list(timeline.c), select(*arrays)).returning(timeline.c.position).cte("entries")


@dataclass(frozen=True)
class RecordedCommand:
    """A command's request id, recorded with the entries it added (`find_command_request` finds it)."""

    requester: str
    request_id: str
    fingerprint: str
    at: datetime


@dataclass(frozen=True)
class CaseSave:
    """A case's new state, from `expected_version`, with the entries (and the request id) that made it."""

    case: Case
    expected_version: int
    entries: Sequence[TimelineEntry]
    head: ChainHead
    command: RecordedCommand | None = None

    @classmethod
    def sealed(cls, stored: StoredCase, decision: Decision, command: RecordedCommand | None = None) -> CaseSave:
        """The decision on the stored case, its entries sealed after the stored chain head."""
        entries, head = seal(stored.head, decision.entries)
        return cls(decision.case, stored.case.version, entries, head, command)


async def update_cases(
    connection: AsyncConnection, saves: Sequence[CaseSave], *, notify_channel: str | None = None
) -> bool:
    """Save cases whose rows this transaction locked, with their new entries (and the request ids that made
    them). True when the statements notified `notify_channel` of the cases themselves (on SQLite the caller
    does, through `uow.notify`).

    One case: one statement on PostgreSQL (the entries and the request id are CTEs of the row's update, which
    also NOTIFYs — sent at commit), refused if the row is no longer at its expected version (the check guards
    a writer that did not take the lock). Many (a batch, PostgreSQL): one executemany per shape of update,
    pipelined in one round trip; executemany gives no row counts, and the lock is what keeps each row at its
    expected version."""
    if len(saves) == 1 or not is_postgres(connection):
        return all([await _update_one(connection, save, notify_channel) for save in saves])
    by_shape: dict[tuple[bool, bool, bool], list[dict[str, Any]]] = {}
    for save in saves:
        values, shape = _update_values(save, together=True)
        by_shape.setdefault(shape, []).append(values)
    for shape, rows in by_shape.items():
        await connection.execute(prebuilt(connection, _case_update, *shape, False), rows)
    return False


async def _update_one(connection: AsyncConnection, save: CaseSave, notify_channel: str | None) -> bool:
    together = is_postgres(connection)
    values, shape = _update_values(save, together)
    notifies = together and bool(save.entries) and notify_channel is not None
    if notifies:
        values["the_channel"] = notify_channel
    statement = prebuilt(connection, _case_update, *shape, notifies)
    result = await connection.execute(statement, values)
    if (len(result.all()) if notifies else result.rowcount) != 1:
        raise FailedPrecondition(
            f"case {save.case.number} was changed by someone else meanwhile; read it again and retry",
            current_version=save.expected_version,
        )
    if not together:
        await append_entries(connection, save.entries)
        if save.command is not None:
            await connection.execute(_RECORD_COMMAND_REQUEST, _command_row(save.command, save.case, save.entries))
    return notifies


def _update_values(save: CaseSave, together: bool) -> tuple[dict[str, Any], tuple[bool, bool, bool]]:
    """The update's parameters, and its shape: (public words, internal words, request id recorded)."""
    case, entries, command = save.case, save.entries, save.command
    public, internal = search_texts(None, entries)
    values: dict[str, Any] = case_columns(case) | {"head_position": save.head.position, "head_hash": save.head.hash,
                                                   "the_id": case.id, "the_version": save.expected_version}
    del values["id"], values["number"]
    if public:
        values["the_public"] = public
    if internal:
        values["the_internal"] = internal
    if together:
        values |= _entry_arrays(entries)
        if command is not None:
            values |= {f"request_{name}": value for name, value in _command_row(command, case, entries).items()}
    return values, (bool(public), bool(internal), command is not None)


def _command_row(command: RecordedCommand, case: Case, entries: Sequence[TimelineEntry]) -> dict[str, Any]:
    return {"requester": command.requester, "request_id": command.request_id, "case_id": case.id,
            "fingerprint": command.fingerprint, "positions": [entry.position for entry in entries],
            "created_at": command.at}


def _case_update(bind: Bind, public: bool, internal: bool, with_command: bool, notifies: bool) -> Any:
    """The case row's update: its columns come as parameters; the words for SearchCases are appended. On
    PostgreSQL the entries come as one array per column (any count, one statement), unnested in parallel, and
    the request id and the NOTIFY with them; SQLite writes those apart."""
    with_entries = is_postgres(bind)
    with_command = with_command and with_entries
    statement = update(cases).where(cases.c.id == bindparam("the_id"), cases.c.version == bindparam("the_version"))
    appended: dict[str, Any] = {}
    if public:
        appended["search_text"] = cases.c.search_text + " " + bindparam("the_public", type_=cases.c.search_text.type)
    if internal:
        appended["internal_text"] = cases.c.internal_text + " " + bindparam(
            "the_internal", type_=cases.c.internal_text.type)
    if appended:
        statement = statement.values(appended)
    if with_entries:
        statement = statement.add_cte(_entries_cte())
    if with_command:
        statement = statement.add_cte(insert(command_requests).values({
            column.name: bindparam(f"request_{column.name}", type_=column.type) for column in command_requests.c
        }).returning(command_requests.c.request_id).cte("request"))
    if notifies:
        statement = statement.returning(func.pg_notify(bindparam("the_channel", type_=String), cases.c.id))
    return statement


async def append_entries(connection: AsyncConnection, entries: Sequence[TimelineEntry]) -> None:
    if entries:
        await connection.execute(insert(timeline), [entry_row(e) for e in entries])


def entry_row(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "case_id": entry.case_id,
        "position": entry.position,
        "at": entry.at,
        "actor": canonical_json(entry.actor),
        "kind": entry.kind,
        "visibility": entry.visibility.value,
        "payload": canonical_json(entry.payload),
        "corrects_position": entry.corrects_position,
        "previous_hash": entry.previous_hash,
        "hash": entry.hash,
    }


def entry_from_row(row: Any) -> TimelineEntry:
    return TimelineEntry(
        case_id=row.case_id,
        position=int(row.position),
        at=row.at,
        actor=json.loads(row.actor),
        kind=row.kind,
        visibility=Visibility(row.visibility),
        payload=json.loads(row.payload),
        corrects_position=int(row.corrects_position) if row.corrects_position is not None else None,
        previous_hash=row.previous_hash,
        hash=row.hash,
    )


async def read_entries(
    executor: AsyncConnection, case_id: str, *, after: int = 0, limit: int | None = None, public_only: bool = False
) -> list[TimelineEntry]:
    """Entries after position `after`, in order; `public_only` for customers and partners."""
    query = select(timeline).where(timeline.c.case_id == case_id, timeline.c.position > after)
    if public_only:
        query = query.where(timeline.c.visibility == Visibility.PUBLIC.value)
    query = query.order_by(timeline.c.position)
    if limit is not None:
        query = query.limit(limit)
    return [entry_from_row(row) for row in (await executor.execute(query))]


async def read_entry(executor: AsyncConnection, case_id: str, position: int) -> TimelineEntry | None:
    query = select(timeline).where(timeline.c.case_id == case_id, timeline.c.position == position)
    row = (await executor.execute(query)).first()
    return entry_from_row(row) if row is not None else None
