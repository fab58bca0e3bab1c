"""Wakes WatchCase streams when a case's timeline grows: in-process at once, across replicas through
PostgreSQL NOTIFY on a per-service channel. Watchers also re-read on a timer, so a notification
lost while the LISTEN connection reconnects only delays an entry, never loses it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

import asyncpg
from aftercare_platform.outbox.listener import asyncpg_dsn

log = logging.getLogger(__name__)


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

    def __init__(self, database_url: str | None, channel: str) -> None:
        self._dsn = asyncpg_dsn(database_url) if database_url else None
        self.channel = channel
        self._watches: dict[str, set[TimelineWatch]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
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
        if self._dsn is not None:
            self._task = asyncio.create_task(self._listen(self._dsn), name=f"listen:{self.channel}")

    async def stop(self) -> None:
        self.closed = True
        for watchers in list(self._watches.values()):
            for watch in watchers:
                watch.event.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self, dsn: str) -> None:
        delay = 0.2
        while True:
            connection: Any = None
            try:
                connection = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(self.channel, self._notified)
                delay = 0.2
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("LISTEN %s unavailable (%s); retrying in %.1fs", self.channel, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if connection is not None and not connection.is_closed():
                    await connection.close()

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self.appended(payload)
