"""Wakes the firing loop when a handler commits a deadline nearer than what it sleeps towards.

In this process: the hinted instant is handed over at once (an asyncio.Event of the firing loop, set
thread-safely when that loop runs in a thread of its own). Across replicas (and for this one, once the
row is visible): PostgreSQL NOTIFY, sent inside the handler's transaction so it is delivered on commit."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aftercare_platform.outbox.listener import PgListener
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "sla_timer_deadlines"


class DeadlineSignal:
    def __init__(self, database_url: str | None) -> None:
        # None on SQLite (embedded mode: one process, nothing to tell across replicas)
        self._url = database_url
        self.woken = asyncio.Event()
        self._earliest: datetime | None = None
        self._listener: PgListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the firing loop: `woken` belongs to it."""
        self._loop = loop
        if self._url is not None:
            self._listener = PgListener(self._url, CHANNEL, self.woken)
            await self._listener.start()

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None

    async def announce(self, session: AsyncSession, instant: datetime) -> None:
        """A clock of this transaction is now due at `instant`."""
        if self._earliest is None or instant < self._earliest:
            self._earliest = instant
        self._wake()
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

    def _wake(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.woken.set()
        else:
            loop.call_soon_threadsafe(self.woken.set)

    def take_hint(self) -> datetime | None:
        """The earliest instant announced in this process since the last call (the loop re-reads the rest)."""
        earliest, self._earliest = self._earliest, None
        return earliest
