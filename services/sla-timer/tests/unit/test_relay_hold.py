"""The outbox relay holds back while the firing loop drains a backlog, and never longer than allowed:
all on the injected clock (a FakeClock here), none on the wall clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aftercare_platform.clock import FakeClock
from sla_timer.entrypoints.firing_scheduler import HOLD_POLL_SECONDS, FiringScheduler


def _scheduler(clock: FakeClock) -> FiringScheduler:
    nothing: Any = None
    return FiringScheduler(
        nothing, nothing, clock, look_ahead=timedelta(seconds=1), look_ahead_limit=1, batch_size=1,
        lead=timedelta(0),
    )  # fmt: skip


async def test_the_relay_goes_on_at_once_when_nothing_is_being_drained() -> None:
    clock = FakeClock()
    started = clock.now()
    await _scheduler(clock).hold_while_draining(at_most=5)
    assert clock.now() == started and clock.sleepers == 0


async def test_the_relay_waits_for_a_drain_to_end() -> None:
    clock = FakeClock()
    scheduler = _scheduler(clock)
    scheduler.draining = True
    holding = asyncio.create_task(scheduler.hold_while_draining(at_most=30))
    await clock.until_sleeping()
    clock.advance(HOLD_POLL_SECONDS * 10)
    await clock.until_sleeping()
    assert not holding.done(), "still draining: still holding"
    scheduler.draining = False
    clock.advance(HOLD_POLL_SECONDS)
    await holding


async def test_a_drain_that_never_ends_cannot_starve_the_relay() -> None:
    clock = FakeClock()
    scheduler = _scheduler(clock)
    scheduler.draining = True
    started = clock.now()
    holding = asyncio.create_task(scheduler.hold_while_draining(at_most=0.2))
    while not holding.done():
        await clock.until_sleeping()
        clock.advance(HOLD_POLL_SECONDS)
        await asyncio.sleep(0)
    await holding
    assert timedelta(seconds=0.2) <= clock.now() - started < timedelta(seconds=0.2 + 2 * HOLD_POLL_SECONDS)
