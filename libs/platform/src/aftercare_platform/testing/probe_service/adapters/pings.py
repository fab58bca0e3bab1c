"""Pings and received events as rows."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from aftercare_platform.testing.probe_service.adapters.tables import pings, received
from aftercare_platform.testing.probe_service.domain.pings import Ping


async def save(connection: AsyncConnection, ping: Ping) -> None:
    await connection.execute(insert(pings).values(id=ping.id, text=ping.text, by=ping.by, at=ping.at))


async def record_received(connection: AsyncConnection, event_id: str, ping_id: str) -> None:
    await connection.execute(insert(received).values(event_id=event_id, ping_id=ping_id))
