"""The background loop: every tick, due notices, missed visits, report deadlines and owed calls; every
`schedule_every_seconds`, every plan's horizon topped up. All of it read from the database, so a
restart loses nothing and replicas never do the same row twice (rows are claimed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aftercare_platform.clock import Clock

from inspection.handlers.deliveries import Deliveries
from inspection.handlers.plans import PlanHandlers
from inspection.handlers.ticker import Ticker

log = logging.getLogger(__name__)


class InspectionWorker:
    name = "inspection-worker"

    def __init__(self, clock: Clock, plans: PlanHandlers, ticker: Ticker, deliveries: Deliveries, *,
                 tick_seconds: float, schedule_every_seconds: float) -> None:
        self._clock, self._plans, self._ticker, self._deliveries = clock, plans, ticker, deliveries
        self._tick, self._schedule_every = tick_seconds, schedule_every_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_schedule: float | None = None

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("inspection worker round failed; trying again shortly")  # an outage is waited out
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._tick)

    async def run_once(self) -> None:
        now = self._clock.now().timestamp()
        if self._last_schedule is None or now - self._last_schedule >= self._schedule_every:
            await self._plans.schedule_all()
            self._last_schedule = now
        await self._ticker.run_once()
        while await self._deliveries.run_once():
            pass
