"""The injected clock: every read of the time goes through one of these."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for `seconds` of this clock's time."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to; sleepers wake when their instant is reached."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        wake_at = self._now + timedelta(seconds=max(0.0, seconds))
        if wake_at <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((wake_at, future))
        await future

    @property
    def sleepers(self) -> int:
        """How many tasks sleep on this clock now."""
        return sum(1 for _, future in self._sleepers if not future.done())

    async def until_sleeping(self, count: int = 1, *, max_yields: int = 10_000) -> None:
        """Let the other tasks run until `count` of them sleep on this clock: a test then moves time on,
        never waiting on the wall clock. Fails if they never get there."""
        for _ in range(max_yields):
            if self.sleepers >= count:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"{count} sleeper(s) expected on the FakeClock, found {self.sleepers}")

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware instant")
        if instant < self._now:
            raise ValueError("time does not run backwards")
        self._now = instant
        self._wake_due()

    def advance(self, delta: timedelta | float) -> None:
        self.set(self._now + (delta if isinstance(delta, timedelta) else timedelta(seconds=delta)))

    def _wake_due(self) -> None:
        still_waiting = []
        for wake_at, future in self._sleepers:
            if wake_at <= self._now:
                if not future.done():
                    future.set_result(None)
            else:
                still_waiting.append((wake_at, future))
        self._sleepers = still_waiting
