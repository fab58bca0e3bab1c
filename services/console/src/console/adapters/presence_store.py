"""The shared presence rows: one per open case page on any replica, renewed by its replica's heartbeat."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.tables import presence
from console.domain.presence import Watch


async def join(connection: AsyncConnection, watch: Watch) -> None:
    await connection.execute(presence.insert().values(
        watch_id=watch.watch_id, case_id=watch.case_id, subject=watch.subject, name=watch.name,
        seen_at=watch.seen_at))


async def leave(connection: AsyncConnection, watch_id: str) -> None:
    await connection.execute(delete(presence).where(presence.c.watch_id == watch_id))


async def renew(connection: AsyncConnection, watch_ids: Collection[str], now: datetime) -> None:
    if watch_ids:
        await connection.execute(update(presence).where(presence.c.watch_id.in_(list(watch_ids))).values(seen_at=now))


async def purge(connection: AsyncConnection, before: datetime) -> set[str]:
    """Removes the watches last renewed before `before`; the cases they were on."""
    stale = presence.c.seen_at < before
    cases = {str(row.case_id) for row in (await connection.execute(select(presence.c.case_id).where(stale))).all()}
    if cases:
        await connection.execute(delete(presence).where(stale))
    return cases


async def of_case(connection: AsyncConnection, case_id: str) -> list[Watch]:
    rows = await connection.execute(select(presence).where(presence.c.case_id == case_id))
    return [Watch(r.watch_id, r.case_id, r.subject, r.name, r.seen_at) for r in rows.all()]
