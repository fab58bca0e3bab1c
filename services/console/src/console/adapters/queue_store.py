"""The queue read model in SQL: rows in and out, and the one ordered query the queue page runs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from aftercare_platform.auth.access import AccessScope
from aftercare_platform.db.statements import Bind, prebuilt, transaction_locks, upsert
from sqlalchemy import ColumnElement, Table, and_, bindparam, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.tables import queue
from console.domain.queue import Clock, QueueFilter, QueueRow, Urgency


def _clocks_out(clocks: dict[str, Clock]) -> dict[str, Any]:
    return {key: {"state": c.state, "deadline": c.deadline.isoformat() if c.deadline else None}
            for key, c in clocks.items()}


def _clocks_in(document: dict[str, Any] | None) -> dict[str, Clock]:
    return {key: Clock(value["state"], datetime.fromisoformat(value["deadline"]) if value.get("deadline") else None)
            for key, value in (document or {}).items()}


def row_of(record: Any) -> QueueRow:
    return QueueRow(
        case_id=record.case_id, case_number=record.case_number, region=record.region,
        company_id=record.company_id, priority=record.priority, status=record.status,
        assignee_id=record.assignee_id, tier=record.tier, description=record.description,
        supervisor_review=record.supervisor_review, created_at=record.created_at,
        case_seen_at=record.case_seen_at, clocks=_clocks_in(record.clocks))


async def load_locked(connection: AsyncConnection, case_ids: Collection[str]) -> dict[str, QueueRow]:
    """The rows of `case_ids`, locked until the transaction ends, and so are the ids that have none yet: the case
    and clock streams are consumed apart, and the first event of each must not both write a new row."""
    await transaction_locks(connection, (f"console-queue:{case_id}" for case_id in case_ids))
    found = await connection.execute(prebuilt(connection, _load_rows), {"case_ids": sorted(case_ids)})
    return {record.case_id: row_of(record) for record in found.all()}


def _load_rows(_bind: Bind) -> Any:
    return select(queue).where(queue.c.case_id.in_(bindparam("case_ids", expanding=True)))


def record_of(row: QueueRow) -> dict[str, Any]:
    return {
        "case_id": row.case_id, "case_number": row.case_number, "region": row.region,
        "company_id": row.company_id, "priority": row.priority, "status": row.status,
        "assignee_id": row.assignee_id, "tier": row.tier, "description": row.description,
        "supervisor_review": row.supervisor_review, "created_at": row.created_at,
        "case_seen_at": row.case_seen_at, "clocks": _clocks_out(row.clocks), "urgency": row.urgency,
        "due_at": row.next_deadline, "priority_rank": row.priority_rank,
    }


async def save(connection: AsyncConnection, rows: Collection[QueueRow]) -> None:
    """Write the rows with one statement (executemany)."""
    if rows:
        await connection.execute(prebuilt(connection, _save_rows), [record_of(row) for row in rows])


def _save_rows(bind: Bind) -> Any:
    return upsert(bind, queue, ["case_id"], update=[column.name for column in queue.c if column.name != "case_id"])


def scope_clause(scope: AccessScope, table: Table = queue) -> ColumnElement[bool]:
    """Who sees which rows: the platform's one rule of scope (access.scope_for), as a WHERE."""
    if scope.is_empty:
        return false()
    clauses: list[ColumnElement[bool]] = []
    if scope.companies is not None:
        clauses.append(table.c.company_id.in_(sorted(scope.companies)))
    elif not scope.unowned:
        clauses.append(table.c.company_id != "")
    if scope.regions is not None:
        clauses.append(table.c.region.in_(sorted(scope.regions)))
    return and_(true(), *clauses)


def filter_clause(chosen: QueueFilter, subject: str) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [queue.c.urgency < Urgency.DONE]
    if chosen.view == "mine":
        clauses.append(queue.c.assignee_id == subject)
    elif chosen.view == "team":
        clauses.append(queue.c.assignee_id.in_(sorted({subject, *chosen.team})))
    elif chosen.view == "unassigned":
        clauses.append(queue.c.assignee_id == "")
    elif chosen.view == "waiting":
        clauses.append(queue.c.urgency == Urgency.WAITING)
    elif chosen.view == "breached":
        clauses.append(queue.c.urgency == Urgency.BREACHED)
    elif chosen.view == "complaints":
        clauses.append(queue.c.supervisor_review.is_(True))
    if chosen.region:
        clauses.append(queue.c.region == chosen.region)
    if chosen.priority:
        clauses.append(queue.c.priority == chosen.priority)
    if chosen.company_id:
        clauses.append(queue.c.company_id == chosen.company_id)
    return and_(*clauses)


async def page(connection: AsyncConnection, scope: AccessScope, chosen: QueueFilter, subject: str,
               limit: int) -> list[QueueRow]:
    statement = (select(queue).where(scope_clause(scope), filter_clause(chosen, subject))
                 .order_by(queue.c.urgency, queue.c.due_at.asc().nulls_last(), queue.c.priority_rank,
                           queue.c.created_at).limit(limit))
    return [row_of(record) for record in (await connection.execute(statement)).all()]


async def load_by_assignee(connection: AsyncConnection, scope: AccessScope) -> list[tuple[str, int]]:
    statement = (select(queue.c.assignee_id, func.count()).where(scope_clause(scope), queue.c.urgency < Urgency.DONE)
                 .group_by(queue.c.assignee_id).order_by(func.count().desc()))
    return [(assignee, int(count)) for assignee, count in (await connection.execute(statement)).all()]


async def open_created_times(connection: AsyncConnection, scope: AccessScope) -> list[datetime]:
    statement = select(queue.c.created_at).where(scope_clause(scope), queue.c.urgency < Urgency.DONE,
                                                 queue.c.created_at.is_not(None))
    return [created for (created,) in (await connection.execute(statement)).all()]
