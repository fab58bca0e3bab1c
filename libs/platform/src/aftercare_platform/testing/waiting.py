"""Waiting in integration tests: a bound on how long to wait, never an assertion about speed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 60, what: str = "condition") -> None:
    """Poll `check` until it holds; fail naming `what` after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)
