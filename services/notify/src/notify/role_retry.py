"""The loop that plans again the roles nobody could resolve when their event came (dispatch away)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database

from notify.handlers import NotifyHandlers

log = logging.getLogger(__name__)


class RoleRetry:
    name = "notify-role-retry"

    def __init__(self, database: Database, handlers: NotifyHandlers, clock: Clock, planned: Callable[[], None],
                 poll_seconds: float = 1.0, idle_seconds: float = 30.0) -> None:
        self._db, self._handlers, self._clock, self._planned = database, handlers, clock, planned
        self._poll_seconds, self._idle_seconds = poll_seconds, idle_seconds
        self._task: asyncio.Task[None] | None = None
        # set when this process records a wait; with none known the loop only looks in every idle_seconds
        # (for waits another replica, or a process before a restart, left)
        self._waiting = asyncio.Event()
        self._waiting.set()

    def wake(self) -> None:
        self._waiting.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        async with self._db.unit_of_work() as uow:
            planned, left = await self._handlers.plan_waiting_roles(uow)
        if planned:
            self._planned()
        if not left:
            self._waiting.clear()
        return planned

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database or a bug: logged, tried again after a pause, never fatal
                log.exception("planning waiting roles failed")
                self._waiting.set()
            if self._waiting.is_set():
                await self._clock.sleep(self._poll_seconds)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._waiting.wait(), self._idle_seconds)
