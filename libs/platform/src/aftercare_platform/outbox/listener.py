"""Wakes the relay when a transaction commits outbox rows: PostgreSQL LISTEN, or in-process."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    """Holds one LISTEN connection; reconnects in the background if it drops."""

    def __init__(self, sqlalchemy_url: str, channel: str, wake: asyncio.Event) -> None:
        self._dsn = asyncpg_dsn(sqlalchemy_url)
        self._channel = channel
        self._wake = wake
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._keep_listening(), name=f"listen:{self._channel}")

    async def _keep_listening(self) -> None:
        delay = 0.2
        while True:
            try:
                self._connection = await asyncpg.connect(self._dsn)
                self._lost.clear()
                self._connection.add_termination_listener(lambda _c: self._lost.set())
                await self._connection.add_listener(self._channel, self._notified)
                delay = 0.2
                # rows committed while we were not listening are found by this wake-up
                self._wake.set()
                await self._lost.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("LISTEN %s unavailable (%s); retrying in %.1fs", self._channel, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _notified(self, *_args: object) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()
