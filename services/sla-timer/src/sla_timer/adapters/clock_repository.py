"""Clocks in the database: one row per (case, clock kind), its state as clock_codec JSON.

The event handlers load a case's clocks locked and save what changed; the firing loop claims due
rows with FOR UPDATE SKIP LOCKED (so replicas never take the same row) and saves a whole batch in
one statement on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sla_timer.adapters.case_repository import CaseInfo
from sla_timer.adapters.tables import SCHEMA, clocks
from sla_timer.domain.clock_codec import clock_from_dict, clock_to_dict
from sla_timer.domain.clock_model import SlaClock
from sla_timer.domain.vocabulary import ClockKind


@dataclass(frozen=True)
class DueClock:
    """A claimed row: the clock and what an event about it needs of its case."""

    clock: SlaClock
    case_number: str
    region: str
    company_id: str
    # the clock's JSON document as read (firing writes it back with only what firing changed)
    document: dict[str, Any]


def _row_values(clock: SlaClock, now: datetime) -> dict[str, Any]:
    return {
        "status": clock.status.value,
        "state": clock_to_dict(clock),
        "next_due_at": clock.next_due_at,
        "version": clock.version,
        "updated_at": now,
    }


async def load_case_clocks(session: AsyncSession, case_id: str, *, lock: bool) -> dict[ClockKind, SlaClock]:
    """A case's clocks; `lock` holds them (in kind order) against the firing loop until commit."""
    query = select(clocks.c.kind, clocks.c.state).where(clocks.c.case_id == case_id).order_by(clocks.c.kind)
    if lock:
        query = query.with_for_update()
    rows = (await session.execute(query)).all()
    return {ClockKind(row.kind): clock_from_dict(row.state) for row in rows}


async def save_case_clocks(
    session: AsyncSession, case: CaseInfo, changed: Mapping[ClockKind, SlaClock], now: datetime
) -> None:
    """Insert or update the changed clocks of one case (its row lock is held by the caller)."""
    if not changed:
        return
    dialect_insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    for kind, clock in changed.items():
        values = _row_values(clock, now)
        statement = dialect_insert(clocks).values(
            case_id=case.case_id,
            kind=kind.value,
            case_number=case.case_number,
            region=case.region,
            company_id=case.company_id,
            **values,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[clocks.c.case_id, clocks.c.kind],
                set_={**values, "case_number": case.case_number, "region": case.region, "company_id": case.company_id},
            )
        )


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[DueClock]:
    """Lock up to `limit` clocks due at or before `now`, earliest first, skipping those another replica holds."""
    query = (
        select(clocks.c.state, clocks.c.case_number, clocks.c.region, clocks.c.company_id)
        .where(clocks.c.next_due_at <= now)
        .order_by(clocks.c.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(query)).all()
    return [DueClock(clock_from_dict(r.state), r.case_number, r.region, r.company_id, r.state) for r in rows]


_SAVE_FIRED = text(
    f"""UPDATE "{SCHEMA}".clocks AS c
    SET state = u.state::json, status = u.status, next_due_at = u.next_due_at, version = u.version,
        updated_at = :now
    FROM unnest(CAST(:case_ids AS text[]), CAST(:kinds AS text[]), CAST(:states AS text[]),
                CAST(:statuses AS text[]), CAST(:next_due AS timestamptz[]), CAST(:versions AS bigint[]))
         AS u(case_id, kind, state, status, next_due_at, version)
    WHERE c.case_id = u.case_id AND c.kind = u.kind"""
)


async def save_fired(session: AsyncSession, fired_clocks: Sequence[SlaClock], now: datetime) -> None:
    """Write back a batch of fired clocks: one statement on PostgreSQL, one per row elsewhere."""
    if not fired_clocks:
        return
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            _SAVE_FIRED,
            {
                "now": now,
                "case_ids": [c.case_id for c in fired_clocks],
                "kinds": [c.kind.value for c in fired_clocks],
                "states": [json.dumps(clock_to_dict(c), separators=(",", ":")) for c in fired_clocks],
                "statuses": [c.status.value for c in fired_clocks],
                "next_due": [c.next_due_at for c in fired_clocks],
                "versions": [c.version for c in fired_clocks],
            },
        )
        return
    statement = (
        update(clocks)
        .where(clocks.c.case_id == bindparam("b_case_id"), clocks.c.kind == bindparam("b_kind"))
        .values(
            status=bindparam("status"),
            state=bindparam("state"),
            next_due_at=bindparam("next_due_at"),
            version=bindparam("version"),
            updated_at=bindparam("updated_at"),
        )
    )
    await session.execute(
        statement, [{"b_case_id": c.case_id, "b_kind": c.kind.value, **_row_values(c, now)} for c in fired_clocks]
    )


async def next_due_instants(connection: AsyncConnection, horizon: datetime, limit: int) -> list[datetime]:
    """The next due instants up to `horizon` (at most `limit`), or the single next one beyond it."""
    query = select(clocks.c.next_due_at).where(clocks.c.next_due_at.is_not(None)).order_by(clocks.c.next_due_at)
    soon = [r[0] for r in (await connection.execute(query.where(clocks.c.next_due_at <= horizon).limit(limit)))]
    if soon:
        return soon
    later = (await connection.execute(select(func.min(clocks.c.next_due_at)))).scalar_one_or_none()
    return [later] if later is not None else []
