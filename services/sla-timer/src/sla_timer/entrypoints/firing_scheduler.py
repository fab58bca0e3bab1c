"""The firing loop (a background Component): claims clocks just before they come due, fires them at the instant.

It holds only a short look-ahead in memory: at most `look_ahead_limit` due instants of the next
`look_ahead` seconds, re-read when that window runs out or a handler announces a nearer deadline
(in-process hint, PostgreSQL NOTIFY from any replica). Memory does not grow with pending clocks.

`lead` before an instant it claims (FOR UPDATE SKIP LOCKED) and decodes the clocks due by then, sleeps
on the injected clock until the last of them is due, then fires and commits: never early, and the
claim's cost is paid before the instant, not after. Any number of replicas run it; each due row goes
to exactly one of them, and rows held by a replica that dies are simply claimed again."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta

from aftercare_platform.clock import Clock
from opentelemetry import metrics

from sla_timer.adapters.deadline_signal import DeadlineSignal
from sla_timer.firing import ClaimedBatch, DueClockFirer

log = logging.getLogger(__name__)
# how soon to look again at due rows another transaction holds (a replica firing them, a handler changing them)
RETRY_LOCKED = timedelta(milliseconds=10)
HOLD_POLL_SECONDS = 0.02
_lateness = metrics.get_meter("aftercare.sla").create_histogram(
    "aftercare_sla_firing_lateness_seconds", unit="s",
    description="how long after its due instant a deadline (warning or breach) was fired and committed")


class FiringScheduler:
    def __init__(
        self,
        firer: DueClockFirer,
        signal: DeadlineSignal,
        clock: Clock,
        *,
        look_ahead: timedelta,
        look_ahead_limit: int,
        batch_size: int,
        lead: timedelta,
    ) -> None:
        self.name = "sla-firing"
        self._firer = firer
        self._signal = signal
        self._clock = clock
        self._look_ahead = look_ahead
        self._limit = look_ahead_limit
        self._batch = batch_size
        self._lead = lead
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # the look-ahead: due instants of the next window, earliest first (at most look_ahead_limit)
        self._ahead: deque[datetime] = deque()
        self._refresh_at: datetime | None = None
        self._hint: datetime | None = None
        # True while a backlog is drained (read from the service's loop: a plain attribute is enough)
        self.draining = False

    async def start(self) -> None:
        await self._signal.start(asyncio.get_running_loop())
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self._signal.woken.set()
        if self._task is not None:
            await self._task
        await self._firer.close()
        await self._signal.stop()

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            try:
                await self._step()
                backoff = 0.1
            except Exception as error:
                log.warning("sla firing pass failed (%s); retrying in %.1fs", error, backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                self._refresh_at = None

    async def _step(self) -> None:
        await self._firer.notify_if_owed()
        await self._refresh_if_needed()
        now = self._clock.now()
        instant = self._next_instant()
        if instant is None or instant - now > self._lead:
            wake_at = self._refresh_at or now + self._look_ahead
            if instant is not None:
                wake_at = min(wake_at, instant - self._lead)
            owed = self._firer.notify_owed_in
            if owed is not None:
                wake_at = min(wake_at, now + timedelta(seconds=owed))
            await self._sleep_until(wake_at, interruptible=True)
            return
        horizon = max(instant, now)
        async with self._firer.claim(horizon, self._batch) as batch:
            claimed = await self._fire_when_due(batch)
        if claimed >= self._batch:
            await self._drain(horizon)  # a backlog: more are due by the same horizon
        self._forget_until(horizon)
        if not claimed and horizon <= now:
            # the look-ahead saw them due, yet none could be claimed: held elsewhere; look again soon
            self._refresh_at = now + RETRY_LOCKED

    async def _fire_when_due(self, batch: ClaimedBatch) -> int:
        """Wait until the last of the claimed clocks is due (never early), then fire them; how many were claimed."""
        if batch:
            last_due = batch.last_due
            if last_due is not None:
                await self._sleep_until(last_due, interruptible=False)
            await batch.fire()
            fired_at = self._clock.now()
            for due in batch.due_instants:
                _lateness.record(max(0.0, (fired_at - due).total_seconds()))
        return len(batch)

    async def _drain(self, horizon: datetime) -> None:
        """Every lane claims and fires batches due by `horizon` until one comes back short."""

        async def lane_loop(lane: int) -> None:
            while not self._stopping:
                async with self._firer.claim(horizon, self._batch, lane=lane) as batch:
                    claimed = await self._fire_when_due(batch)
                if claimed < self._batch:
                    return

        self.draining = True
        try:
            async with asyncio.TaskGroup() as lanes:
                for lane in range(self._firer.lanes):
                    lanes.create_task(lane_loop(lane))
        finally:
            self.draining = False

    async def hold_while_draining(self, at_most: float) -> None:
        """For the outbox relay: wait while a backlog is fired (on time first, published right after), but
        never more than `at_most` seconds at a time, so a firing loop that never catches up cannot starve it."""
        deadline = self._clock.now() + timedelta(seconds=at_most)
        # polled: the flag is set on the firing thread's loop, an asyncio.Event belongs to one loop
        while self.draining and self._clock.now() < deadline:
            await self._clock.sleep(HOLD_POLL_SECONDS)

    async def _refresh_if_needed(self) -> None:
        now = self._clock.now()
        if not (self._signal.woken.is_set() or self._refresh_at is None or now >= self._refresh_at):
            return
        # cleared before reading, so an announcement made meanwhile wakes the loop again
        self._signal.woken.clear()
        hint = self._signal.take_hint()
        if hint is not None and (self._hint is None or hint < self._hint):
            self._hint = hint
        self._ahead = deque(await self._firer.next_due_instants(now + self._look_ahead, self._limit))
        self._refresh_at = now + self._look_ahead

    def _next_instant(self) -> datetime | None:
        candidates = [i for i in (self._ahead[0] if self._ahead else None, self._hint) if i is not None]
        return min(candidates) if candidates else None

    def _forget_until(self, horizon: datetime) -> None:
        """Instants up to `horizon` were claimed (here or by another replica)."""
        while self._ahead and self._ahead[0] <= horizon:
            self._ahead.popleft()
        if self._hint is not None and self._hint <= horizon:
            self._hint = None

    async def _sleep_until(self, instant: datetime, *, interruptible: bool) -> None:
        """Sleep on the injected clock until `instant` (never less); an announcement may cut it short."""
        woken = self._signal.woken
        while not self._stopping and not (interruptible and woken.is_set()):
            remaining = (instant - self._clock.now()).total_seconds()
            if remaining <= 0:
                return
            if not interruptible:
                await self._clock.sleep(remaining)
                continue
            sleeper = asyncio.ensure_future(self._clock.sleep(remaining))
            waiter = asyncio.ensure_future(woken.wait())
            try:
                await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waiter.cancel()
