"""Wakes the firing loop when a handler commits a deadline nearer than what it sleeps towards.

In this process: the hinted instant is handed over at once (an asyncio.Event of the firing loop, set
thread-safely when that loop runs in a thread of its own). Across replicas (and for this one, once the
row is visible): `uow.notify`, sent inside the handler's transaction so it is delivered on commit."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aftercare_platform.db.listen import ChannelListener
from aftercare_platform.db.unit_of_work import Database, UnitOfWork

CHANNEL = "sla_timer_deadlines"


class DeadlineSignal:
    def __init__(self, database: Database) -> None:
        self.woken = asyncio.Event()
        self._earliest: datetime | None = None
        # after every (re)connection too: a deadline announced while nobody listened is looked for then
        self._listener = ChannelListener.on(database, CHANNEL, lambda _payload: self._wake(), on_connected=self._wake)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the firing loop: `woken` belongs to it."""
        self._loop = loop
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()

    async def announce(self, uow: UnitOfWork, instant: datetime) -> None:
        """A clock of this transaction is now due at `instant`."""
        if self._earliest is None or instant < self._earliest:
            self._earliest = instant
        self._wake()
        await uow.notify(CHANNEL)

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
