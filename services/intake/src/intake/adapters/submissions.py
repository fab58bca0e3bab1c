"""Durable submissions: the receipt, the normalised request and its plan, delivery state and leases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from aftercare_platform.db.statements import Bind, insert_ignore, is_postgres, prebuilt
from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import case_index
from intake.adapters.case_index import KnownCase
from intake.adapters.tables import request_keys, submissions


class State(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    FAILED = "failed"


@dataclass(frozen=True)
class Submission:
    receipt_id: str
    channel: str
    outcome: str
    state: State
    request: dict[str, Any]
    plan: dict[str, Any]
    target_case_number: str | None
    target_receipt_id: str | None
    asset_key: str | None
    alarm_code: str | None
    partner_id: str | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    case_id: str | None
    case_number: str | None
    received_at: datetime
    submitted_at: datetime | None
    identification: dict[str, Any]
    note_batch: str | None = None

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> Submission:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["state"] = State(values["state"])
        values["identification"] = dict(values["identification"] or {})
        return cls(**values)


async def insert(connection: AsyncConnection, row: dict[str, Any]) -> None:
    await connection.execute(_INSERT, row)


_INSERT = submissions.insert()  # built once: the row comes as parameters (see db.statements.prebuilt)


async def insert_claiming(connection: AsyncConnection, row: dict[str, Any], scope: str, key: str,
                          at: datetime) -> bool:
    """Claim the idempotency key for the row's receipt and insert the row, in one statement (PostgreSQL), so it
    needs no transaction around it; False (nothing written) when another receipt holds the key."""
    claim = {"claim_scope": scope, "claim_key": key, "claim_receipt": row["receipt_id"], "claim_at": at}
    written = await connection.execute(prebuilt(connection, _insert_claiming), row | claim)
    return written.first() is not None


def _insert_claiming(bind: Bind) -> Any:
    claimed = insert_ignore(bind, request_keys, ["scope", "key"], {
        "scope": bindparam("claim_scope", type_=request_keys.c.scope.type),
        "key": bindparam("claim_key", type_=request_keys.c.key.type),
        "receipt_id": bindparam("claim_receipt", type_=request_keys.c.receipt_id.type),
        "created_at": bindparam("claim_at", type_=request_keys.c.created_at.type)}).returning(
        request_keys.c.receipt_id).cte("claimed")
    row = select(*[bindparam(column.name, type_=column.type) for column in submissions.c]).where(
        exists(select(claimed.c.receipt_id)))
    return submissions.insert().from_select(list(submissions.c), row).add_cte(claimed).returning(
        submissions.c.receipt_id)


async def get(connection: AsyncConnection, receipt_id: str) -> Submission | None:
    query = select(submissions).where(submissions.c.receipt_id == receipt_id)
    row = (await connection.execute(query)).mappings().first()
    return Submission.of(row) if row is not None else None


async def receipt_for_key(connection: AsyncConnection, scope: str, key: str) -> str | None:
    found = await connection.execute(select(request_keys.c.receipt_id).where(
        request_keys.c.scope == scope, request_keys.c.key == key))
    return found.scalar_one_or_none()


async def claim_key(connection: AsyncConnection, scope: str, key: str, receipt_id: str, at: datetime) -> bool:
    """Record an idempotency key for this receipt; False when another receipt holds it already."""
    row = {"scope": scope, "key": key, "receipt_id": receipt_id, "created_at": at}
    result = await connection.execute(prebuilt(connection, _claim_key), row)
    return bool(getattr(result, "rowcount", 0))


async def claim_due(
    connection: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> tuple[list[Submission], set[str]]:
    """Lease up to `limit` pending submissions that are due (a note waits until the case it adds to is opened),
    and which of them no deliverer ever leased before (nothing sent them yet)."""
    parent = submissions.alias("parent")
    free = or_(submissions.c.claimed_until.is_(None), submissions.c.claimed_until < now)
    parent_settled = or_(
        submissions.c.target_receipt_id.is_(None),
        exists().where(parent.c.receipt_id == submissions.c.target_receipt_id, parent.c.state != State.PENDING.value),
    )
    due = (select(submissions.c.receipt_id, submissions.c.claimed_until.is_(None).label("never_leased"))
           .where(submissions.c.state == State.PENDING.value, submissions.c.next_attempt_at <= now, free,
                  parent_settled)
           .order_by(submissions.c.next_attempt_at).limit(limit))
    found = (await connection.execute(due)).all()
    if not found:
        return [], set()
    ids = [row[0] for row in found]
    claimed = await connection.execute(
        update(submissions)
        .where(submissions.c.receipt_id.in_(ids), submissions.c.state == State.PENDING.value, free)
        .values(claimed_until=lease_until)
        .returning(*submissions.c))
    return [Submission.of(row) for row in claimed.mappings()], {row[0] for row in found if row[1]}


def _claim_key(bind: Bind) -> Any:
    return insert_ignore(bind, request_keys, ["scope", "key"])


async def mark_submitted(connection: AsyncConnection, receipt_id: str, *, case_id: str, case_number: str,
                         at: datetime, attempts: int) -> Submission:
    return await _mark(connection, receipt_id, state=State.SUBMITTED.value, case_id=case_id, case_number=case_number,
                       submitted_at=at, attempts=attempts, claimed_until=None, last_error=None)


async def mark_opened(connection: AsyncConnection, receipt_id: str, *, case_id: str, case_number: str, at: datetime,
                      attempts: int, known: KnownCase) -> tuple[Submission, int]:
    """A delivery opened a case: the receipt is submitted, the case known, and the notes waiting for it know its
    number (how many there were comes back). On PostgreSQL one statement: the other writes are CTEs of it."""
    if not marks_opening_in_one_statement(connection):
        recorded = await mark_submitted(connection, receipt_id, case_id=case_id, case_number=case_number, at=at,
                                        attempts=attempts)
        await case_index.record_case(connection, known)
        return recorded, await settle_target(connection, receipt_id, case_number)
    row = (await connection.execute(prebuilt(connection, _mark_opened), {
        "the_receipt": receipt_id, "the_case_id": case_id, "the_case_number": case_number, "the_at": at,
        "the_attempts": attempts, **case_index.as_known(case_index.known_row(known))})).mappings().one()
    return Submission.of(row), int(row["notes_due"])


def marks_opening_in_one_statement(bind: Bind) -> bool:
    """Whether `mark_opened` is one statement here (so needs no transaction of its own)."""
    return is_postgres(bind)


def _mark_opened(bind: Bind) -> Any:
    marked = update(submissions).where(submissions.c.receipt_id == bindparam("the_receipt")).values(
        state=State.SUBMITTED.value, case_id=bindparam("the_case_id", type_=submissions.c.case_id.type),
        case_number=bindparam("the_case_number", type_=submissions.c.case_number.type),
        submitted_at=bindparam("the_at", type_=submissions.c.submitted_at.type),
        attempts=bindparam("the_attempts", type_=submissions.c.attempts.type), claimed_until=None, last_error=None,
    ).returning(*submissions.c).cte("marked")
    settled = _SETTLE_TARGET.values(target_case_number=bindparam("the_case_number")).returning(
        submissions.c.receipt_id).cte("settled")
    notes_due = select(func.count()).select_from(settled).scalar_subquery().label("notes_due")
    return select(marked, notes_due).add_cte(case_index.known_upsert_cte(bind))


async def mark_retry(connection: AsyncConnection, receipt_id: str, *, attempts: int, next_attempt_at: datetime,
                     error: str | None) -> Submission:
    return await _mark(connection, receipt_id, attempts=attempts, next_attempt_at=next_attempt_at, claimed_until=None,
                       last_error=error)


async def mark_failed(connection: AsyncConnection, receipt_id: str, *, attempts: int, error: str) -> Submission:
    return await _mark(connection, receipt_id, state=State.FAILED.value, attempts=attempts, claimed_until=None,
                       last_error=error)


async def _mark(connection: AsyncConnection, receipt_id: str, **values: Any) -> Submission:
    """Record a delivery attempt's outcome; the row as it now stands is the receipt the caller answers with."""
    updated = await connection.execute(_MARK, {"the_receipt": receipt_id, **values})
    return Submission.of(updated.mappings().one())


# the columns set come as parameters: one statement for every outcome, each shape compiled once
_MARK = update(submissions).where(submissions.c.receipt_id == bindparam("the_receipt")).returning(*submissions.c)


async def replan(connection: AsyncConnection, receipt_id: str, *, outcome: str, plan: dict[str, Any]) -> None:
    """A note whose case is gone becomes a new case (same receipt, so CreateCase stays idempotent)."""
    await connection.execute(update(submissions).where(submissions.c.receipt_id == receipt_id).values(
        outcome=outcome, plan=plan, target_case_number=None, target_receipt_id=None, note_batch=None))


async def settle_target(connection: AsyncConnection, receipt_id: str, case_number: str) -> int:
    """Notes waiting on this receipt's case now know its number; how many there were."""
    settled = await connection.execute(_SETTLE_TARGET, {"the_receipt": receipt_id, "target_case_number": case_number})
    return int(getattr(settled, "rowcount", 0) or 0)


_SETTLE_TARGET = update(submissions).where(
    and_(submissions.c.target_receipt_id == bindparam("the_receipt"), submissions.c.state == State.PENDING.value))


async def deliveries_pending(database: Database) -> dict[tuple[tuple[str, str], ...], float]:
    """The gauge of accepted reports not yet handed to cases (growing: cases is down or slow)."""
    async with database.reading() as connection:
        pending = (await connection.execute(
            select(func.count()).select_from(submissions).where(submissions.c.state == State.PENDING.value)
        )).scalar_one()
    return {(): float(pending)}
