"""The firing transaction on PostgreSQL, on a connection of its own (asyncpg, no ORM layer):

BEGIN -> claim (FOR UPDATE SKIP LOCKED: keys and due instants only) -> at the instant, ONE statement that
fires the batch from each clock's prepared plan (adapters/firing_plan.py), stamping the firing time in:
the clocks' documents and next due instants, the fired log, a fact per breach, the events' outbox rows
(the platform's row format) and NOTIFY -> COMMIT. No Python runs per clock; the database does it all
in one pass. A clock whose plan was never prepared gets it in the same transaction first."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aftercare_platform.bus.envelope import rfc3339
from aftercare_platform.calendar import Calendar
from aftercare_platform.clock import Clock
from aftercare_platform.db.listen import database_dsn
from aftercare_platform.db.unit_of_work import Database, partition_of
from aftercare_platform.outbox.sql_insert import outbox_insert_sql
from opentelemetry import propagate

from sla_timer.adapters.clock_repository import clock_of_row
from sla_timer.adapters.compliance import FACT_TYPES, FACT_UPSERT
from sla_timer.adapters.firing_plan import STAMPED_PAYLOAD_FIELD, firing_plan
from sla_timer.adapters.sla_events import CaseRef, json_time
from sla_timer.adapters.tables import SCHEMA

log = logging.getLogger(__name__)

CLAIM = f"""
SELECT case_id, kind, next_due_at, plan IS NULL AS unplanned FROM "{SCHEMA}".clocks
WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED
"""
UNPLANNED = f"""
SELECT c.state, c.fired_times, c.version, c.case_number, c.region, c.company_id, c.assignee_id
FROM "{SCHEMA}".clocks AS c
JOIN unnest($1::text[], $2::text[]) AS k(case_id, kind) ON c.case_id = k.case_id AND c.kind = k.kind
"""
SAVE_PLANS = f"""
UPDATE "{SCHEMA}".clocks AS c SET plan = u.plan::jsonb
FROM unnest($1::text[], $2::text[], $3::text[]) AS u(case_id, kind, plan)
WHERE c.case_id = u.case_id AND c.kind = u.kind
"""
# the events' outbox rows, envelope and all, as the platform writes them (outbox/sql_insert.py)
_OUTBOX_INSERT = outbox_insert_sql(
    SCHEMA,
    rows="items",
    event_id="event_id",
    event_type="entry->>'type'",
    aggregate_id="case_id",
    partition="partition",
    routing_key="entry->>'routing_key'",
    subject="case_id",
    region="region",
    data=f"(entry->'data') || jsonb_build_object('{STAMPED_PAYLOAD_FIELD}', $5::text)",
    time="$6",
    source="$7",
    headers="$8",
    created_at="$1",
)
# a plan made before facts had an engineer says none: the desk ("")
_FACT_VALUES = ", ".join(
    f"(f->>'{name}')::{kind}" if kind != "text" else f"coalesce(f->>'{name}', '')" if name == "engineer_id"
    else f"f->>'{name}'"
    for name, kind in FACT_TYPES.items()
)
# $1 fired at, $2/$3/$4 the claimed keys and their outbox partitions, $5 occurredAt as the payload writes it,
# $6 the envelope's time, $7 its source, $8 the trace headers
_FIRE = f"""
WITH claimed AS (
    SELECT c.case_id, c.kind, c.region, c.plan, k.partition, coalesce(cardinality(c.fired_times), 0) AS done
    FROM unnest($2::text[], $3::text[], $4::smallint[]) AS k(case_id, kind, partition)
    JOIN "{SCHEMA}".clocks AS c ON c.case_id = k.case_id AND c.kind = k.kind
), items AS (
    SELECT cl.case_id, cl.kind, cl.region, cl.partition, p.entry, gen_random_uuid() AS event_id
    FROM claimed AS cl CROSS JOIN LATERAL jsonb_array_elements(cl.plan) WITH ORDINALITY AS p(entry, ord)
    WHERE p.ord > cl.done AND (p.entry->>'due_at')::timestamptz <= $1
), per_clock AS (
    -- every claimed clock, also one with nothing due by its plan: its next due instant is set from the plan
    -- again, so a row never stays due with nothing to fire
    SELECT cl.case_id, cl.kind, count(i.entry)::int AS n
    FROM claimed AS cl LEFT JOIN items AS i ON i.case_id = cl.case_id AND i.kind = cl.kind
    GROUP BY cl.case_id, cl.kind
), saved AS (
    UPDATE "{SCHEMA}".clocks AS c
    SET fired_times = coalesce(c.fired_times, '{{}}') || array_fill($1::timestamptz, ARRAY[f.n]),
        next_due_at = (c.plan->(coalesce(cardinality(c.fired_times), 0) + f.n)->>'due_at')::timestamptz,
        version = c.version + (f.n > 0)::int,
        updated_at = $1
    FROM per_clock AS f
    WHERE c.case_id = f.case_id AND c.kind = f.kind
    RETURNING 1
), logged AS (
    INSERT INTO "{SCHEMA}".fired (case_id, kind, cycle, item, due_at, fired_at, event_id)
    SELECT case_id, kind, (entry->>'cycle')::int, entry->>'item', (entry->>'due_at')::timestamptz, $1, event_id::text
    FROM items
    RETURNING 1
), facts AS (
    INSERT INTO "{SCHEMA}".compliance_facts ({", ".join(FACT_TYPES)}, updated_at)
    SELECT {_FACT_VALUES}, $1
    FROM (SELECT entry->'fact' AS f FROM items WHERE jsonb_typeof(entry->'fact') = 'object') AS breaches
    {FACT_UPSERT}
    RETURNING 1
), outboxed AS (
    {_OUTBOX_INSERT}
    RETURNING 1
)
SELECT (SELECT count(*) FROM items){{tell}}
"""
# other replicas' relays are woken by NOTIFY (this replica's in process, after each commit); a busy firing
# loop tells them at most every so often, so they drain large batches instead of chasing every commit;
# signed with the process's origin, as the unit of work's, so this replica's relay skips it
FIRE_AND_NOTIFY = _FIRE.replace("{tell}", ", pg_notify($9, $10)")
FIRE_QUIETLY = _FIRE.replace("{tell}", "")


NEXT_DUE = f"""
SELECT next_due_at FROM "{SCHEMA}".clocks WHERE next_due_at IS NOT NULL AND next_due_at <= $1
ORDER BY next_due_at LIMIT $2
"""
FIRST_DUE = f'SELECT min(next_due_at) FROM "{SCHEMA}".clocks'


@dataclass(frozen=True)
class HeldClock:
    """A claimed clock row: its key and when it comes due."""

    case_id: str
    kind: str
    due_at: datetime
    unplanned: bool


class RelayNudge:
    """When the outbox relay was last woken, shared by every firing connection of a replica."""

    def __init__(self, interval: float, clock: Clock) -> None:
        self.interval = interval
        self._clock = clock
        self.notified_at = float("-inf")
        # when outbox rows committed without a NOTIFY must be told of at the latest (clock seconds), or None
        self.owed_at: float | None = None

    def seconds(self) -> float:
        """The injected clock's now, in seconds."""
        return self._clock.now().timestamp()

    def due_now(self) -> bool:
        return self.seconds() >= self.notified_at + self.interval

    def told(self) -> None:
        self.notified_at, self.owed_at = self.seconds(), None

    def owe(self) -> None:
        if self.owed_at is None:
            self.owed_at = self.notified_at + self.interval


class PgFiring:
    """Holds one connection for firing; reconnects after any failure."""

    def __init__(self, database: Database, nudge: RelayNudge) -> None:
        self._db = database
        self._dsn = database_dsn(database)
        self._connection: Any = None
        self._nudge = nudge
        self._wrote_events = False  # by the transaction `claim` holds

    async def notify_if_owed(self) -> None:
        """Tell the relay of rows written quietly, once their interval is over (outside any transaction)."""
        if self._nudge.owed_at is None or self._nudge.seconds() < self._nudge.owed_at:
            return
        connection = await self._connect()
        await connection.execute("SELECT pg_notify($1, $2)", self._db.notify_channel, self._db.origin)
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
    async def claim(self, horizon: datetime, limit: int) -> AsyncIterator[tuple[list[HeldClock], Any]]:
        """Hold up to `limit` clocks due by `horizon` in a transaction that commits on leaving."""
        connection = await self._connect()
        transaction = connection.transaction()
        await transaction.start()
        self._wrote_events = False
        try:
            rows = await connection.fetch(CLAIM, horizon, limit)
            yield [HeldClock(r["case_id"], r["kind"], r["next_due_at"], r["unplanned"]) for r in rows], connection
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
            if self._wrote_events:  # this replica's relay publishes them now, not at the next NOTIFY
                self._db.outbox_written()

    async def fire(
        self,
        connection: Any,
        held: list[HeldClock],
        now: datetime,
        *,
        source: str,
        calendars: Mapping[str, Calendar],
    ) -> int:
        """Fire what is due at `now` among the held clocks; how many warnings and breaches fired."""
        unplanned = [h for h in held if h.unplanned]
        if unplanned:
            await self._prepare_plans(connection, unplanned, calendars)
        headers: dict[str, str] = {}
        propagate.inject(headers)
        tell = self._nudge.due_now()
        fired = await connection.fetchval(
            FIRE_AND_NOTIFY if tell else FIRE_QUIETLY,
            now,
            [h.case_id for h in held],
            [h.kind for h in held],
            # an event's aggregate is its case: the relay keeps one case's events in order
            [partition_of(h.case_id, self._db.partitions) for h in held],
            json_time(now),
            rfc3339(now),
            source,
            json.dumps(headers),
            *([self._db.notify_channel, self._db.origin] if tell else []),
        )
        # the NOTIFY goes out on commit; a commit that fails only makes the relay look once for nothing
        if tell:
            self._nudge.told()
        elif fired:
            self._nudge.owe()
        self._wrote_events = self._wrote_events or bool(fired)
        return int(fired)

    async def _prepare_plans(self, connection: Any, held: list[HeldClock], calendars: Mapping[str, Calendar]) -> None:
        """Clocks written before plans existed (or by embedded mode) get theirs now, in the firing transaction."""
        rows = await connection.fetch(UNPLANNED, [h.case_id for h in held], [h.kind for h in held])
        if not rows:
            return
        plans = []
        for row in rows:
            clock = clock_of_row(orjson.loads(row["state"]), row["fired_times"], row["version"])
            case = CaseRef(row["case_number"], row["region"], row["company_id"], row["assignee_id"])
            plans.append((clock.case_id, clock.kind.value, orjson.dumps(firing_plan(clock, case, calendars)).decode()))
        await connection.execute(SAVE_PLANS, *(list(column) for column in zip(*plans, strict=True)))
