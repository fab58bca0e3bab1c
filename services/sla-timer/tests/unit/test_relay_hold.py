"""The outbox relay holds back while the firing loop drains a backlog, and never longer than allowed."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from sla_timer.entrypoints.firing_scheduler import FiringScheduler


def _scheduler() -> FiringScheduler:
    nothing: Any = None
    return FiringScheduler(
        nothing, nothing, nothing, look_ahead=timedelta(seconds=1), look_ahead_limit=1, batch_size=1,
        lead=timedelta(0),
    )  # fmt: skip


async def test_the_relay_goes_on_at_once_when_nothing_is_being_drained() -> None:
    scheduler = _scheduler()
    started = time.monotonic()
    await scheduler.hold_while_draining(at_most=5)
    assert time.monotonic() - started < 1


async def test_the_relay_waits_for_a_drain_to_end() -> None:
    scheduler = _scheduler()
    scheduler.draining = True
    holding = asyncio.create_task(scheduler.hold_while_draining(at_most=30))
    await asyncio.sleep(0.1)
    assert not holding.done()
    scheduler.draining = False
    await asyncio.wait_for(holding, 5)


async def test_a_drain_that_never_ends_cannot_starve_the_relay() -> None:
    scheduler = _scheduler()
    scheduler.draining = True
    await asyncio.wait_for(scheduler.hold_while_draining(at_most=0.2), 5)
