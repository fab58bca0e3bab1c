"""The background loop that carries out due loaner reminders and 3-month transfers (every replica
runs one; rows are claimed with SKIP LOCKED, so each is handled by one)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aftercare_platform.clock import Clock

from dispatch.loaner_handlers import LoanerHandlers

log = logging.getLogger(__name__)


class LoanerSweep:
    name = "dispatch-loaner-sweep"

    def __init__(self, loaners: LoanerHandlers, clock: Clock, every_seconds: float) -> None:
        self._loaners = loaners
        self._clock = clock
        self._every = every_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                while await self._loaners.sweep() > 0:
                    pass
            except Exception:  # an outage is waited out: the next round tries again
                log.exception("loaner sweep failed; retrying in %s s", self._every)
            await self._clock.sleep(self._every)
