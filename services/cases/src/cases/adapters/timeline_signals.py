"""Wakes WatchCase streams when a case's timeline grows: in-process at once, across replicas through
the handlers' `uow.notify` on a per-service channel (the platform's ChannelListener). Watchers also
re-read on a timer, so a notification lost while the LISTEN connection reconnects only delays an
entry, never loses it."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

from aftercare_platform.db.listen import ChannelListener
from aftercare_platform.db.unit_of_work import Database


class TimelineWatch:
    """One stream's registration: `clear()` before reading, `wait()` after an empty read."""

    def __init__(self, signals: TimelineSignals, case_id: str) -> None:
        self._signals, self.case_id, self.event = signals, case_id, asyncio.Event()

    def clear(self) -> None:
        self.event.clear()

    async def wait(self, seconds: float) -> None:
        """Until an append is signalled, or `seconds` pass (then the caller reads anyway)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.event.wait()

    def close(self) -> None:
        self._signals._forget(self)


class TimelineSignals:
    """A Component: `start()` listens (PostgreSQL), `stop()` ends every watch stream."""

    name = "timeline-signals"

    def __init__(self, database: Database, channel: str) -> None:
        self.channel = channel
        self._watches: dict[str, set[TimelineWatch]] = defaultdict(set)
        self._listener = ChannelListener.on(database, channel, self.appended)
        self.closed = False

    def watch(self, case_id: str) -> TimelineWatch:
        watch = TimelineWatch(self, case_id)
        self._watches[case_id].add(watch)
        return watch

    def _forget(self, watch: TimelineWatch) -> None:
        watchers = self._watches.get(watch.case_id)
        if watchers is not None:
            watchers.discard(watch)
            if not watchers:
                del self._watches[watch.case_id]

    def appended(self, case_id: str) -> None:
        for watch in self._watches.get(case_id, ()):
            watch.event.set()

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        self.closed = True
        for watchers in list(self._watches.values()):
            for watch in watchers:
                watch.event.set()
        await self._listener.stop()
