"""The firing transaction on PostgreSQL, on a connection of its own (asyncpg, no ORM layer):

BEGIN -> claim (FOR UPDATE SKIP LOCKED) -> at the instant, one statement writing the clocks, the fired
log, a fact per breach and the events' outbox rows (the platform's row format and NOTIFY) -> COMMIT.
Four round trips a batch: SQLAlchemy's cost per statement was most of what a small batch cost."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import Database, outbox_row
from aftercare_platform.outbox.listener import asyncpg_dsn
from opentelemetry import propagate

from sla_timer.adapters.clock_repository import DueClock
from sla_timer.adapters.compliance import FACT_TYPES, KEY, Where, fact_of
from sla_timer.adapters.fired_log import FiredEntry
from sla_timer.adapters.tables import SCHEMA
from sla_timer.domain.calendar import Calendar
from sla_timer.domain.clock_codec import clock_from_dict
from sla_timer.domain.clock_model import SlaClock

log = logging.getLogger(__name__)

CLAIM = f"""
SELECT state, case_number, region, company_id FROM "{SCHEMA}".clocks
WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED
"""
_FACTS = tuple(FACT_TYPES)
_FACT_ARRAYS = ", ".join(f"${15 + i}::{FACT_TYPES[n]}[]" for i, n in enumerate(_FACTS))
_OUTBOX_FIRST = 15 + len(_FACTS)
_OUTBOX_ARRAYS = ", ".join(
    f"${_OUTBOX_FIRST + i}::{t}[]"
    for i, t in enumerate(("uuid", "text", "text", "smallint", "text", "jsonb", "jsonb", "timestamptz"))
)
_WRITE = f"""
WITH saved AS (
    UPDATE "{SCHEMA}".clocks AS c
    SET state = u.state::json, status = u.status, next_due_at = u.next_due_at, version = u.version, updated_at = $1
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[])
         AS u(case_id, kind, state, status, next_due_at, version)
    WHERE c.case_id = u.case_id AND c.kind = u.kind
    RETURNING 1
), logged AS (
    INSERT INTO "{SCHEMA}".fired (case_id, kind, cycle, item, due_at, fired_at, event_id)
    SELECT * FROM unnest($8::text[], $9::text[], $10::int[], $11::text[], $12::timestamptz[], $13::timestamptz[],
                         $14::text[])
    RETURNING 1
), facts AS (
    INSERT INTO "{SCHEMA}".compliance_facts ({", ".join(_FACTS)}, updated_at)
    SELECT f.*, $1 FROM unnest({_FACT_ARRAYS}) AS f
    ON CONFLICT (case_id, kind, cycle) DO UPDATE SET
        {", ".join(f"{n} = excluded.{n}" for n in (*_FACTS, "updated_at") if n not in KEY)}
    RETURNING 1
), outboxed AS (
    INSERT INTO "{SCHEMA}".outbox (event_id, event_type, aggregate_id, partition, routing_key, envelope, headers,
                                   created_at)
    SELECT * FROM unnest({_OUTBOX_ARRAYS})
    RETURNING 1
)
SELECT {{tell}}
"""
# the relay is woken by NOTIFY; a busy firing loop tells it at most every so often, so it drains
# large batches instead of chasing every commit (which cost the firing loop its timing, and the relay speed)
WRITE_AND_NOTIFY = _WRITE.replace("{tell}", f"pg_notify(${_OUTBOX_FIRST + 8}, '')")
WRITE_QUIETLY = _WRITE.replace("{tell}", f"${_OUTBOX_FIRST + 8}::text")


NEXT_DUE = f"""
SELECT next_due_at FROM "{SCHEMA}".clocks WHERE next_due_at IS NOT NULL AND next_due_at <= $1
ORDER BY next_due_at LIMIT $2
"""
FIRST_DUE = f'SELECT min(next_due_at) FROM "{SCHEMA}".clocks'


class RelayNudge:
    """When the outbox relay was last woken, shared by every firing connection of a replica."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.notified_at = float("-inf")
        # when outbox rows committed without a NOTIFY must be told of at the latest (monotonic), or None
        self.owed_at: float | None = None

    def due_now(self) -> bool:
        return time.monotonic() >= self.notified_at + self.interval

    def told(self) -> None:
        self.notified_at, self.owed_at = time.monotonic(), None

    def owe(self) -> None:
        if self.owed_at is None:
            self.owed_at = self.notified_at + self.interval


class PgFiring:
    """Holds one connection for firing; reconnects after any failure."""

    def __init__(self, database: Database, nudge: RelayNudge) -> None:
        self._db = database
        self._dsn = asyncpg_dsn(database.engine.url.render_as_string(hide_password=False))
        self._connection: Any = None
        self._nudge = nudge

    async def notify_if_owed(self) -> None:
        """Tell the relay of rows written quietly, once their interval is over (outside any transaction)."""
        if self._nudge.owed_at is None or time.monotonic() < self._nudge.owed_at:
            return
        connection = await self._connect()
        await connection.execute("SELECT pg_notify($1, '')", self._db.notify_channel)
        self._nudge.told()

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()
        self._connection = None

    async def _connect(self) -> Any:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(self._dsn)
        return self._connection

    async def next_due_instants(self, horizon: datetime, limit: int) -> list[datetime]:
        """The next due instants up to `horizon` (at most `limit`), or the single next one beyond it."""
        connection = await self._connect()
        try:
            soon = [r[0] for r in await connection.fetch(NEXT_DUE, horizon, limit)]
            if soon:
                return soon
            later = await connection.fetchval(FIRST_DUE)
        except (asyncpg.PostgresError, OSError):
            await self.close()
            raise
        return [later] if later is not None else []

    @asynccontextmanager
    async def claim(self, horizon: datetime, limit: int) -> AsyncIterator[tuple[list[DueClock], Any]]:
        """Hold up to `limit` clocks due by `horizon` in a transaction that commits on leaving."""
        connection = await self._connect()
        transaction = connection.transaction()
        await transaction.start()
        try:
            rows = await connection.fetch(CLAIM, horizon, limit)
            documents = [orjson.loads(r["state"]) for r in rows]
            claimed = [
                DueClock(clock_from_dict(d), r["case_number"], r["region"], r["company_id"], d)
                for r, d in zip(rows, documents, strict=True)
            ]
            yield claimed, connection
        except BaseException:
            try:
                await transaction.rollback()
            except (asyncpg.PostgresError, OSError):
                await self.close()
            raise
        else:
            try:
                await transaction.commit()
            except BaseException:
                await self.close()
                raise

    async def write(
        self,
        connection: Any,
        saved: Sequence[SlaClock],
        documents: Sequence[dict[str, Any]],
        fired: Sequence[FiredEntry],
        breached: Sequence[tuple[Where, SlaClock]],
        events: Sequence[CloudEvent],
        calendars: Mapping[str, Calendar],
        now: datetime,
    ) -> None:
        facts: list[dict[str, Any]] = []
        for where, clock in breached:
            fact = fact_of(clock, calendars)
            if fact is not None:
                facts.append({**fact, "company_id": where.company_id, "region": where.region})
        headers: dict[str, str] = {}
        propagate.inject(headers)
        header_text = json.dumps(headers)
        # an event's aggregate is its case: the relay keeps one case's events in order
        outbox = [outbox_row(e, e.subject, self._db.partitions, headers) for e in events]
        tell = self._nudge.due_now()
        await connection.execute(
            WRITE_AND_NOTIFY if tell else WRITE_QUIETLY,
            now,
            [c.case_id for c in saved],
            [c.kind.value for c in saved],
            [orjson.dumps(d).decode() for d in documents],
            [c.status.value for c in saved],
            [c.next_due_at for c in saved],
            [c.version for c in saved],
            [e.clock.case_id for e in fired],
            [e.clock.kind.value for e in fired],
            [e.clock.cycle for e in fired],
            [e.firing.item for e in fired],
            [e.firing.due_at for e in fired],
            [e.firing.fired_at for e in fired],
            [e.event_id for e in fired],
            *([fact[name] for fact in facts] for name in _FACTS),
            [r["event_id"] for r in outbox],
            [r["event_type"] for r in outbox],
            [r["aggregate_id"] for r in outbox],
            [r["partition"] for r in outbox],
            [r["routing_key"] for r in outbox],
            [orjson.dumps(r["envelope"]).decode() for r in outbox],
            [header_text] * len(outbox),
            [r["created_at"] for r in outbox],
            self._db.notify_channel,
        )
        # the NOTIFY goes out on commit; a commit that fails only makes the relay look once for nothing
        if tell:
            self._nudge.told()
        elif outbox:
            self._nudge.owe()
