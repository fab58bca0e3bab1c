"""The statements only a batch of commands runs (PostgreSQL): its cases locked, its request ids looked up, each in
one statement whatever the batch's size. Thin: no rule is decided here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aftercare_platform.db.statements import Bind, prebuilt
from sqlalchemy import any_, bindparam, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.repository import StoredCase, stored_case
from cases.adapters.tables import cases, command_requests
from cases.domain.references import CaseRef


async def lock_cases(connection: AsyncConnection, refs: Sequence[CaseRef]) -> list[StoredCase]:
    """The cases `refs` name (PostgreSQL) that no other transaction holds, each row locked until this one ends.
    A case held elsewhere is skipped, as is a ref naming no case: waiting for nothing, the caller can never be
    part of a deadlock (a consumer's window locks its cases in event order) nor stall behind one slow write."""
    ids = sorted({ref.case_id for ref in refs if ref.case_id is not None})
    numbers = sorted({ref.number for ref in refs if ref.case_id is None and ref.number is not None})
    # one shape per kind of key named: a batch names its cases one way (intake's notes: by number)
    query = prebuilt(connection, _cases_locked, bool(ids), bool(numbers))
    rows = await connection.execute(query, {"the_ids": ids, "the_numbers": numbers})
    return [stored_case(row) for row in rows]


def _cases_locked(_bind: Bind, by_id: bool, by_number: bool) -> Any:
    conditions = []
    if by_id:
        conditions.append(cases.c.id == any_(bindparam("the_ids", type_=postgresql.ARRAY(cases.c.id.type))))
    if by_number:
        conditions.append(cases.c.number == any_(bindparam("the_numbers", type_=postgresql.ARRAY(cases.c.number.type))))
    return (select(cases.c.document, cases.c.head_position, cases.c.head_hash).where(or_(*conditions))
            .with_for_update(skip_locked=True))


async def seen_command_requests(connection: AsyncConnection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (requester, request id) pairs a command already used (PostgreSQL; one statement)."""
    found = await connection.execute(prebuilt(connection, _command_requests_among), {
        "the_requesters": [requester for requester, _ in keys], "the_requests": [request for _, request in keys]})
    return {(str(row.requester), str(row.request_id)) for row in found}


def _command_requests_among(_bind: Bind) -> Any:
    table = command_requests
    pairs = select(func.unnest(bindparam("the_requesters", type_=postgresql.ARRAY(table.c.requester.type))),
                   func.unnest(bindparam("the_requests", type_=postgresql.ARRAY(table.c.request_id.type))))
    return select(table.c.requester, table.c.request_id).where(
        tuple_(table.c.requester, table.c.request_id).in_(pairs))
