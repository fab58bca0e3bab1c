"""Dispatch's reassignments as the console keeps them: one row per decision, read newest first in scope."""

from __future__ import annotations

from typing import Any

from aftercare_platform.auth.access import AccessScope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.queue_store import scope_clause
from console.adapters.tables import reassignments


async def record(connection: AsyncConnection, row: dict[str, Any]) -> None:
    """Once per decision (the inbox already drops a redelivery; a decision seen twice keeps its first row)."""
    found = await connection.execute(select(reassignments.c.decision_key).where(
        reassignments.c.decision_key == row["decision_key"]))
    if found.first() is None:
        await connection.execute(reassignments.insert().values(**row))


async def recent(connection: AsyncConnection, scope: AccessScope, limit: int) -> list[dict[str, Any]]:
    statement = (select(reassignments).where(scope_clause(scope, reassignments))
                 .order_by(reassignments.c.occurred_at.desc()).limit(limit))
    return [dict(record._mapping) for record in (await connection.execute(statement)).all()]
