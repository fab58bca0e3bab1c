"""Pings in and out of their rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspection.adapters.tables import pings, received
from inspection.domain.pings import Ping


def _ping(row: Any) -> Ping:
    return Ping(row.id, row.text, row.by, row.at)


async def save(session: AsyncSession, ping: Ping) -> None:
    await session.execute(insert(pings).values(id=ping.id, text=ping.text, by=ping.by, at=ping.at))


async def load(session: AsyncSession, ping_id: str) -> Ping | None:
    row = (await session.execute(select(pings).where(pings.c.id == ping_id))).first()
    return None if row is None else _ping(row)


async def record_received(session: AsyncSession, event_id: str, ping_id: str) -> None:
    await session.execute(insert(received).values(event_id=event_id, ping_id=ping_id))


async def received_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(received))).scalar_one())
