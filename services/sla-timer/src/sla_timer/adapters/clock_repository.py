"""Clocks in the database: one row per (case, clock kind), its state as clock_codec JSON.

The event handlers load a case's clocks locked and save what changed; the firing loop claims due
rows with FOR UPDATE SKIP LOCKED (so replicas never take the same row) and saves a whole batch in
one statement on PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aftercare_platform.calendar import Calendar
from aftercare_platform.db.statements import is_postgres, upsert
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sla_timer.adapters.case_repository import CaseInfo
from sla_timer.adapters.clock_codec import clock_from_dict, clock_to_dict
from sla_timer.adapters.firing_plan import firing_plan
from sla_timer.adapters.sla_events import CaseRef
from sla_timer.adapters.tables import clocks
from sla_timer.domain.clock import replay_firings
from sla_timer.domain.clock_model import SlaClock
from sla_timer.domain.vocabulary import ClockKind


@dataclass(frozen=True)
class DueClock:
    """A claimed row: the clock and what an event about it needs of its case."""

    clock: SlaClock
    case_number: str
    region: str
    company_id: str
    assignee_id: str = ""

    @property
    def case(self) -> CaseRef:
        return CaseRef(self.case_number, self.region, self.company_id, self.assignee_id)


def _row_values(clock: SlaClock, now: datetime) -> dict[str, Any]:
    return {
        "status": clock.status.value,
        "state": clock_to_dict(clock),
        # the document now holds every firing: none is left recorded beside it
        "fired_times": None,
        "next_due_at": clock.next_due_at,
        "version": clock.version,
        "updated_at": now,
    }


def clock_of_row(state: dict[str, Any], fired_times: Sequence[datetime] | None, version: int) -> SlaClock:
    """A clock as stored: its document, the firings PostgreSQL recorded beside it since, the row's version."""
    clock = clock_from_dict(state)
    if fired_times:
        clock = replay_firings(clock, fired_times, calendars={})
    return replace(clock, version=version)


async def load_case_clocks(connection: AsyncConnection, case_id: str, *, lock: bool) -> dict[ClockKind, SlaClock]:
    """A case's clocks; `lock` holds them (in kind order) against the firing loop until commit."""
    query = (
        select(clocks.c.kind, clocks.c.state, clocks.c.fired_times, clocks.c.version)
        .where(clocks.c.case_id == case_id)
        .order_by(clocks.c.kind)
    )
    if lock:
        query = query.with_for_update()
    rows = (await connection.execute(query)).all()
    return {ClockKind(row.kind): clock_of_row(row.state, row.fired_times, row.version) for row in rows}


async def save_case_clocks(
    connection: AsyncConnection,
    case: CaseInfo,
    changed: Mapping[ClockKind, SlaClock],
    now: datetime,
    calendars: Mapping[str, Calendar],
) -> None:
    """Insert or update the changed clocks of one case (its row lock is held by the caller).

    On PostgreSQL each clock's firing plan is prepared here, so the firing loop has no Python to run."""
    if not changed:
        return
    on_postgres = is_postgres(connection)
    ref = CaseRef(case.case_number, case.region, case.company_id, case.assignee_id)
    for kind, clock in changed.items():
        values = _row_values(clock, now)
        if on_postgres:
            values["plan"] = firing_plan(clock, ref, calendars)
        row = {
            "case_id": case.case_id,
            "kind": kind.value,
            "case_number": case.case_number,
            "region": case.region,
            "company_id": case.company_id,
            "assignee_id": case.assignee_id,
            **values,
        }
        await connection.execute(upsert(connection, clocks, ["case_id", "kind"], row))


async def stale_plans(connection: AsyncConnection, case_id: str, assignee_id: str) -> bool:
    """True when an open clock of the case was planned for another assignee (re-plan it)."""
    query = select(clocks.c.kind).where(
        clocks.c.case_id == case_id, clocks.c.next_due_at.is_not(None), clocks.c.assignee_id != assignee_id
    )
    return (await connection.execute(query.limit(1))).first() is not None


async def claim_due(connection: AsyncConnection, now: datetime, limit: int) -> list[DueClock]:
    """Lock up to `limit` clocks due at or before `now`, earliest first, skipping those another replica holds."""
    query = (
        select(
            clocks.c.state,
            clocks.c.fired_times,
            clocks.c.version,
            clocks.c.case_number,
            clocks.c.region,
            clocks.c.company_id,
            clocks.c.assignee_id,
        )
        .where(clocks.c.next_due_at <= now)
        .order_by(clocks.c.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await connection.execute(query)).all()
    return [
        DueClock(clock_of_row(r.state, r.fired_times, r.version), r.case_number, r.region, r.company_id, r.assignee_id)
        for r in rows
    ]


async def save_fired(connection: AsyncConnection, fired_clocks: Sequence[SlaClock], now: datetime) -> None:
    """Write back a batch of fired clocks (embedded mode: PostgreSQL fires in one statement, pg_firing.py)."""
    if not fired_clocks:
        return
    statement = (
        update(clocks)
        .where(clocks.c.case_id == bindparam("b_case_id"), clocks.c.kind == bindparam("b_kind"))
        .values(
            status=bindparam("status"),
            state=bindparam("state"),
            fired_times=bindparam("fired_times"),
            next_due_at=bindparam("next_due_at"),
            version=bindparam("version"),
            updated_at=bindparam("updated_at"),
        )
    )
    await connection.execute(
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
