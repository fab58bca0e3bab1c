"""One LISTEN connection that passes every NOTIFY payload of a channel on, and reconnects if it drops.

On embedded SQLite there is no LISTEN: the same listener registers in-process with the Database, and
`UnitOfWork.notify` hands it the payloads after commit. Listeners should also re-read on a timer: a
notification sent while the connection was being re-established is not replayed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.engine import make_url

from aftercare_platform.db.statements import is_postgres

if TYPE_CHECKING:
    from aftercare_platform.db.unit_of_work import Database

log = logging.getLogger(__name__)
RECONNECT_FIRST_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 5.0


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq DSN (asyncpg) of a `postgresql+asyncpg://` SQLAlchemy URL."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_dsn(database: Database) -> str:
    return asyncpg_dsn(database.engine.url.render_as_string(hide_password=False))


class ChannelListener:
    """A Component: `start()` listens on `channel`, `stop()` ends it. `on_payload(payload)` runs on the
    loop that started it; `on_connected()` after every (re)connection, so the owner can look for what
    it may have missed meanwhile. `ChannelListener.on(database, …)` picks LISTEN or in-process."""

    def __init__(
        self,
        dsn: str,
        channel: str,
        on_payload: Callable[[str], None],
        *,
        on_connected: Callable[[], None] | None = None,
        in_process: Database | None = None,
    ) -> None:
        self.name = f"listen:{channel}"
        self.channel = channel
        self._dsn = dsn
        self._on_payload = on_payload
        self._on_connected = on_connected
        self._in_process = in_process
        self._task: asyncio.Task[None] | None = None
        self._forget: Callable[[], None] | None = None

    @classmethod
    def on(
        cls,
        database: Database,
        channel: str,
        on_payload: Callable[[str], None],
        *,
        on_connected: Callable[[], None] | None = None,
    ) -> ChannelListener:
        """LISTEN on PostgreSQL; on SQLite the payloads of this process's `uow.notify(channel, …)`."""
        if is_postgres(database.engine):
            return cls(database_dsn(database), channel, on_payload, on_connected=on_connected)
        return cls("", channel, on_payload, on_connected=on_connected, in_process=database)

    async def start(self) -> None:
        if self._in_process is not None:
            self._forget = self._in_process.listen_in_process(self.channel, self._on_payload)
            if self._on_connected is not None:
                self._on_connected()
            return
        self._task = asyncio.create_task(self._keep_listening(self._dsn), name=self.name)

    async def stop(self) -> None:
        if self._forget is not None:
            self._forget()
            self._forget = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _keep_listening(self, dsn: str) -> None:
        delay = RECONNECT_FIRST_SECONDS
        while True:
            connection: Any = None
            try:
                connection = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(self.channel, self._notified)
                delay = RECONNECT_FIRST_SECONDS
                if self._on_connected is not None:
                    self._on_connected()
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("LISTEN %s unavailable (%s); retrying in %.1fs", self.channel, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
            finally:
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close()

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_payload(payload)
