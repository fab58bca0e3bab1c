"""The log of every warning and breach fired: one row each, never two (uq_fired_once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aftercare_platform.db.statements import is_postgres
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sla_timer.adapters.tables import SCHEMA, fired
from sla_timer.domain.clock_model import Firing, SlaClock


@dataclass(frozen=True)
class FiredEntry:
    clock: SlaClock
    firing: Firing
    event_id: str


async def record_fired(connection: AsyncConnection, entries: Sequence[FiredEntry]) -> None:
    if not entries:
        return
    rows = [
        {
            "case_id": e.clock.case_id,
            "kind": e.clock.kind.value,
            "cycle": e.clock.cycle,
            "item": e.firing.item,
            "due_at": e.firing.due_at,
            "fired_at": e.firing.fired_at,
            "event_id": e.event_id,
        }
        for e in entries
    ]
    if not is_postgres(connection):
        await connection.execute(insert(fired), rows)
        return
    # one statement for the whole batch (arrays, not one bound row each)
    await connection.execute(_INSERT_MANY, {f"{column}s": [row[column] for row in rows] for column in _COLUMNS})


_COLUMNS = ("case_id", "kind", "cycle", "item", "due_at", "fired_at", "event_id")
_INSERT_MANY = text(
    f"""INSERT INTO "{SCHEMA}".fired (case_id, kind, cycle, item, due_at, fired_at, event_id)
    SELECT * FROM unnest(CAST(:case_ids AS text[]), CAST(:kinds AS text[]), CAST(:cycles AS int[]),
                         CAST(:items AS text[]), CAST(:due_ats AS timestamptz[]), CAST(:fired_ats AS timestamptz[]),
                         CAST(:event_ids AS text[]))"""
)
