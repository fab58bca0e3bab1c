"""The event loop a service process runs on (`AFTERCARE_EVENT_LOOP`).

uvloop by default: on the intake → cases path it cut each service's CPU a submission by about 15 % against
asyncio's own loop (bench/bench_intake.py), and asyncpg, aio-pika, grpc.aio, uvicorn and aiosmtpd all run on
it. `asyncio` stays selectable, for a platform without uvloop or to rule the loop out when chasing a fault."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a new loop of the chosen kind, as `asyncio.run` does."""
    if loop == "uvloop":
        import uvloop  # imported here: a tool that never runs a service need not load it

        return uvloop.run(main)
    return asyncio.run(main)
