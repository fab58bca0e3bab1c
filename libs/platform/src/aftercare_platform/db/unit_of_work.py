"""One transaction per handler: state changes, outbox rows and the inbox mark commit together."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any

from google.protobuf.message import Message
from opentelemetry import propagate
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.clock import Clock
from aftercare_platform.db.statements import insert_ignore, is_postgres
from aftercare_platform.outbox.tables import PlatformTables


async def checked_out(connection: AsyncConnection) -> AsyncConnection:
    """`connection` started; a cancellation during the checkout (a stream whose client went away) gives it back
    before passing on. SQLAlchemy's own `async with` leaves a connection checked out when its start is
    cancelled, until the garbage collector finds it ("non-checked-in connection")."""
    start = asyncio.ensure_future(connection.start())
    try:
        return await asyncio.shield(start)
    except asyncio.CancelledError:
        with suppress(Exception, asyncio.CancelledError):  # a checkout that failed holds nothing
            await start
            await connection.close()
        raise


def partition_of(aggregate_id: str, partitions: int) -> int:
    """Stable across processes and restarts (unlike hash())."""
    return zlib.crc32(aggregate_id.encode()) % partitions


def outbox_row(event: CloudEvent, aggregate_id: str, partitions: int, headers: dict[str, str]) -> dict[str, Any]:
    """The outbox row of one event: what the relay reads (also for writers that batch rows themselves)."""
    return {
        "event_id": event.id,
        "event_type": event.type,
        "aggregate_id": aggregate_id,
        "partition": partition_of(aggregate_id, partitions),
        "routing_key": event.routing_key,
        "envelope": event.to_dict(),
        "headers": headers,
        "created_at": event.time,
    }


_NOTIFY_ONE = text("SELECT pg_notify(:channel, :payload)")
# in the order they were asked for (WITH ORDINALITY), each (channel, payload) once
_NOTIFY_MANY = text(
    "SELECT pg_notify(n.channel, n.payload) FROM unnest(CAST(:channels AS text[]), CAST(:payloads AS text[])) "
    "WITH ORDINALITY AS n(channel, payload, i) ORDER BY n.i"
)


class UnitOfWork:
    def __init__(self, database: Database, *, single_statement: bool = False) -> None:
        self._db = database
        self._single_statement = single_statement
        self._engine = database.autocommit_engine if single_statement else database.engine
        # a Core connection, not an ORM session: nothing here maps objects, and the session's bookkeeping cost
        # ~250 µs of CPU a transaction (bench/bench_unit_of_work.py)
        self._connection: AsyncConnection | None = None
        self._pending: list[CloudEvent] = []
        self._aggregates: list[str] = []
        self._partitions: set[int] = set()  # where this transaction's outbox rows went: its relay drains just those
        # (channel, payload) in the order asked for, each once (as PostgreSQL folds repeats at commit)
        self._notifications: dict[tuple[str, str], None] = {}
        self.committed = False

    @property
    def connection(self) -> AsyncConnection:
        """What the transaction's statements run on (open between `async with` entry and exit)."""
        if self._connection is None:
            raise RuntimeError("a unit of work runs statements inside `async with`")
        return self._connection

    @property
    def clock(self) -> Clock:
        return self._db.clock

    def emit(
        self,
        event_type: str,
        *,
        subject: str,
        data: Message | dict[str, Any],
        region: str,
        aggregate_id: str | None = None,
    ) -> CloudEvent:
        """Record an event to publish once this transaction commits (and only then)."""
        self._transactional("emit an event")
        event = CloudEvent(
            type=event_type,
            source=f"/services/{self._db.service_name}",
            subject=subject,
            region=region,
            data=payload_to_dict(data),
            time=self._db.clock.now(),
        )
        event.routing_key  # noqa: B018  (validates type and region now, not in the relay)
        self._pending.append(event)
        self._aggregates.append(aggregate_id or subject)
        return event

    def _transactional(self, what: str) -> None:
        if self._single_statement:
            raise RuntimeError(f"a single-statement unit of work cannot {what}: nothing commits it with its change")

    async def claim_inbox(self, consumer: str, event: CloudEvent) -> bool:
        """True the first time `consumer` sees this event id; False on a redelivery."""
        row = {"consumer": consumer, "event_id": event.id, "event_type": event.type, "handled_at": self._db.clock.now()}
        statement = insert_ignore(self._db.engine, self._db.tables.inbox, ["consumer", "event_id"], row)
        result = await self.connection.execute(statement)
        return bool(result.rowcount)

    async def notify(self, channel: str, payload: str = "") -> None:
        """Tell the listeners of `channel` (db/listen.ChannelListener) once this transaction commits, and
        not at all if it rolls back: PostgreSQL NOTIFY inside the transaction; on SQLite this process's
        in-process listeners, after commit.

        On PostgreSQL the NOTIFYs are sent together in one statement just before COMMIT (PostgreSQL
        delivers them at commit anyway, and folds repeats of one channel and payload into one): a
        transaction that notifies for many cases pays one round trip, not one each."""
        self._transactional("notify")
        self._notifications[(channel, payload)] = None

    async def _send_notifications(self, pending: list[tuple[str, str]]) -> None:
        if len(pending) == 1:
            (channel, payload), = pending
            await self.connection.execute(_NOTIFY_ONE, {"channel": channel, "payload": payload})
        elif pending:
            await self.connection.execute(_NOTIFY_MANY, {"channels": [c for c, _ in pending],
                                                      "payloads": [p for _, p in pending]})

    async def _write_outbox(self) -> None:
        if not self._pending:
            return
        headers: dict[str, str] = {}
        propagate.inject(headers)
        rows = [
            outbox_row(event, aggregate, self._db.partitions, headers)
            for event, aggregate in zip(self._pending, self._aggregates, strict=True)
        ]
        # one executemany, pipelined in a single round trip: rows go in list (emit) order, which is the id
        # order the relay publishes in; unlike a multi-row VALUES it compiles once, so large batches stay cheap
        await self.connection.execute(insert(self._db.tables.outbox), rows)
        self._partitions.update(row["partition"] for row in rows)
        if not self._db.relays_in_process:
            # no relay here: the relays of other processes are told (signed with this process's origin); a relay
            # here is woken in process after commit with these partitions, and looks again at one another holds
            await self.notify(self._db.notify_channel, self._db.origin)

    async def commit(self) -> None:
        await self._write_outbox()
        notifications, self._notifications = list(self._notifications), {}
        in_database = is_postgres(self._db.engine)
        if in_database:
            await self._send_notifications(notifications)
        await self.connection.commit()
        self.committed = True
        if self._pending:
            self._db.outbox_written(frozenset(self._partitions))
        if not in_database:  # SQLite: this process's listeners, after commit
            for channel, payload in notifications:
                self._db.notify_in_process(channel, payload)
        self._pending.clear()
        self._aggregates.clear()
        self._partitions.clear()

    async def rollback(self) -> None:
        self._pending.clear()
        self._aggregates.clear()
        self._partitions.clear()
        self._notifications.clear()
        await self.connection.rollback()

    async def __aenter__(self) -> UnitOfWork:
        connection = self._engine.connect()
        await connection.start()
        if not self._single_statement:
            await connection.begin()  # sends nothing: the driver begins with the first statement
        self._connection = connection
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                await self.commit()
            else:
                await self.rollback()
        finally:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()


class Database:
    """A service's database: its engine, its schema, its outbox and inbox."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        schema: str,
        service_name: str,
        tables: PlatformTables,
        clock: Clock,
        partitions: int = 16,
    ) -> None:
        self.engine = engine
        self.schema = schema
        self.service_name = service_name
        self.tables = tables
        self.clock = clock
        self.partitions = partitions
        # this process's relays, woken as soon as outbox rows commit here (NOTIFY tells other processes' when none)
        self._outbox_wakers: list[Callable[[frozenset[int] | None], None]] = []
        # the payload of this process's outbox NOTIFYs, so a relay can tell its own process's commits from others'
        self.origin = uuid.uuid4().hex
        # embedded mode's LISTEN: channel -> callbacks given the payloads of committed `uow.notify`
        self._in_process_listeners: dict[str, list[Callable[[str], None]]] = {}
        self._autocommit_engine: AsyncEngine | None = None

    def on_outbox_written(self, wake: Callable[[frozenset[int] | None], None]) -> Callable[[], None]:
        """Call `wake` (from any thread) whenever this process commits outbox rows, with the partitions they
        went to (None: not known); returns the function that stops it."""
        self._outbox_wakers.append(wake)
        return lambda: self._outbox_wakers.remove(wake)

    @property
    def relays_in_process(self) -> bool:
        """A relay of this process is woken by its commits (so they need no NOTIFY)."""
        return bool(self._outbox_wakers)

    def outbox_written(self, partitions: frozenset[int] | None = None) -> None:
        """Outbox rows just committed in this process (on any thread) to `partitions` (None: any of them):
        wake this process's relays."""
        for wake in list(self._outbox_wakers):
            wake(partitions)

    def listen_in_process(self, channel: str, on_payload: Callable[[str], None]) -> Callable[[], None]:
        """Receive this process's notifications on `channel` (SQLite); returns the function that stops it."""
        listeners = self._in_process_listeners.setdefault(channel, [])
        listeners.append(on_payload)
        return lambda: listeners.remove(on_payload)

    def notify_in_process(self, channel: str, payload: str) -> None:
        for on_payload in list(self._in_process_listeners.get(channel, ())):
            on_payload(payload)

    @property
    def notify_channel(self) -> str:
        return f"aftercare_outbox_{self.schema}"

    def unit_of_work(self, *, single_statement: bool = False) -> UnitOfWork:
        """A transaction. `single_statement`: the caller runs one statement, which commits on its own (no BEGIN
        and COMMIT round trips); such a unit can neither emit events nor notify."""
        return UnitOfWork(self, single_statement=single_statement)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """`async with database.reading() as connection:` for reads that change nothing: each statement sees
        what was committed when it started, as it would inside a READ COMMITTED transaction, without the
        BEGIN and ROLLBACK round trips around it (reads that must share one snapshot open a REPEATABLE READ
        transaction of their own)."""
        connection = await checked_out(self.autocommit_engine.connect())
        try:
            yield connection
        finally:
            await connection.__aexit__(None, None, None)  # SQLAlchemy's close, carried through a cancellation

    @property
    def autocommit_engine(self) -> AsyncEngine:
        """The engine's pool, each statement its own transaction (the driver sends no BEGIN or COMMIT)."""
        if self._autocommit_engine is None:
            self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._autocommit_engine

    async def ping(self) -> bool:
        try:
            async with self.reading() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
