"""Firing due clocks, one transaction per batch, in two steps so the slow part happens before the instant:

claim (FOR UPDATE SKIP LOCKED, decoded) a little ahead of the due instant -> at the instant: fire_due ->
clock rows with their next due instant -> fired log -> compliance facts for breaches ->
aftercare.sla.warning.v1 / aftercare.sla.breached.v1 in the outbox -> commit.
All commit together or not at all: a replica killed mid-batch leaves its rows to be claimed again.
On PostgreSQL the transaction runs on the loop's own connection (adapters/pg_firing.py); elsewhere
(embedded SQLite) in a unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.clock import Clock
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database

from sla_timer.adapters.clock_repository import DueClock, claim_due, next_due_instants, save_fired
from sla_timer.adapters.compliance import Where, record_facts
from sla_timer.adapters.fired_log import FiredEntry, record_fired
from sla_timer.adapters.pg_firing import PgFiring, RelayNudge
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.sla_events import fired_events
from sla_timer.domain.clock import fire_due
from sla_timer.domain.clock_model import SlaClock
from sla_timer.domain.clock_timeline import Calendars

# firing needs the calendars only to date breach facts; re-read the policy set at most this often
POLICY_REFRESH_SECONDS = 2.0
# (event type, subject, payload, region) -> the event written to the outbox
NewEvent = Callable[[str, str, dict[str, Any], str], CloudEvent]


@dataclass
class FiredBatch:
    """What firing a batch writes, all in one transaction."""

    saved: list[SlaClock] = field(default_factory=list)
    log: list[FiredEntry] = field(default_factory=list)
    breached: list[tuple[Where, SlaClock]] = field(default_factory=list)
    events: list[CloudEvent] = field(default_factory=list)


def fire_claimed(claimed: list[DueClock], fired_at: datetime, calendars: Calendars, new_event: NewEvent) -> FiredBatch:
    batch = FiredBatch()
    for due in claimed:
        result = fire_due(due.clock, now=fired_at, calendars=calendars)
        batch.saved.append(result.clock)
        if not result.fired:
            continue
        ref = due.case
        events = fired_events(due.clock, result.fired, ref)
        for (event_type, payload), firing in zip(events, result.fired, strict=True):
            event = new_event(event_type, due.clock.case_id, payload, due.region)
            batch.events.append(event)
            batch.log.append(FiredEntry(result.clock, firing, event.id))
        if any(f.is_breach for f in result.fired):
            batch.breached.append((Where(due.company_id, due.region, due.assignee_id), result.clock))
    return batch


class ClaimedBatch:
    """Due (or nearly due) clocks held by a transaction until it commits."""

    def __init__(self, due_instants: list[datetime | None], fire: Callable[[], Any]) -> None:
        self._due = due_instants
        self._fire = fire

    def __len__(self) -> int:
        return len(self._due)

    @property
    def due_instants(self) -> list[datetime]:
        return [d for d in self._due if d is not None]

    @property
    def last_due(self) -> datetime | None:
        """When the last of them comes due: firing them all waits for it (never early)."""
        dues = [d for d in self._due if d is not None]
        return max(dues) if dues else None

    async def fire(self) -> int:
        """Fire what is due now among them and write it; the transaction commits on leaving `claim`."""
        return int(await self._fire())


class DueClockFirer:
    def __init__(
        self,
        database: Database,
        policies: PolicyStore,
        clock: Clock,
        *,
        outbox_notify_interval: float = 0.1,
        lanes: int = 1,
    ) -> None:
        self._db = database
        self._policies = policies
        self._clock = clock
        self._policies_read_at = float("-inf")
        self._nudge = RelayNudge(outbox_notify_interval, clock)
        # on PostgreSQL, one connection per lane: a backlog is drained by the lanes together, one lane's
        # Python work overlapping another's statement in the database
        self._lanes = [PgFiring(database, self._nudge) for _ in range(lanes)] if is_postgres(database.engine) else []
        self._pg = self._lanes[0] if self._lanes else None
        # how the policy set is re-read: on this loop, or handed to the service's loop by FiringThread
        self.refresh_policies: Callable[[], Coroutine[Any, Any, None]] = self._read_policies

    @property
    def has_own_connection(self) -> bool:
        """True on PostgreSQL: firing needs nothing of the service's engine, so it may run on another loop."""
        return self._pg is not None

    @property
    def lanes(self) -> int:
        """How many batches may be claimed and fired at once (one where there is a single connection)."""
        return max(1, len(self._lanes))

    @property
    def notify_owed_in(self) -> float | None:
        """Seconds until the relay must be told of quietly written events (None: nothing owed)."""
        if self._nudge.owed_at is None:
            return None
        return max(0.0, self._nudge.owed_at - self._nudge.seconds())

    async def notify_if_owed(self) -> None:
        if self._pg is not None:
            await self._pg.notify_if_owed()

    async def _read_policies(self) -> None:
        async with self._db.unit_of_work() as uow:
            await self._policies.current(uow.connection)

    async def next_due_instants(self, horizon: datetime, limit: int) -> list[datetime]:
        if self._pg is not None:
            return await self._pg.next_due_instants(horizon, limit)
        async with self._db.reading() as connection:
            return await next_due_instants(connection, horizon, limit)

    async def close(self) -> None:
        for lane in self._lanes:
            await lane.close()

    async def _calendars(self) -> Calendars:
        if self._nudge.seconds() - self._policies_read_at > POLICY_REFRESH_SECONDS:
            await self.refresh_policies()
            self._policies_read_at = self._nudge.seconds()
        return self._policies.cached.calendars

    @property
    def _source(self) -> str:
        return f"/services/{self._db.service_name}"

    @asynccontextmanager
    async def claim(self, horizon: datetime, limit: int, *, lane: int = 0) -> AsyncIterator[ClaimedBatch]:
        """Hold up to `limit` clocks due by `horizon`, earliest first; commits what was fired on leaving."""
        calendars = await self._calendars()
        if self._lanes:
            pg = self._lanes[lane]
            async with pg.claim(horizon, limit) as (held, connection):

                async def fire_on_postgres() -> int:
                    # stamped now, once the rows are held and their instant has come: never before they were due
                    fired_at = self._clock.now()
                    return await pg.fire(connection, held, fired_at, source=self._source, calendars=calendars)

                yield ClaimedBatch([h.due_at for h in held], fire_on_postgres)
            return
        async with self._db.unit_of_work() as uow:
            due = await claim_due(uow.connection, horizon, limit)

            async def fire_in_unit_of_work() -> int:
                fired_at = uow.clock.now()
                done = fire_claimed(
                    due, fired_at, calendars, lambda t, s, p, r: uow.emit(t, subject=s, data=p, region=r)
                )
                await save_fired(uow.connection, done.saved, fired_at)
                await record_fired(uow.connection, done.log)
                await record_facts(uow.connection, done.breached, calendars, fired_at)
                return len(done.log)

            yield ClaimedBatch([d.clock.next_due_at for d in due], fire_in_unit_of_work)

    async def fire_batch(self, now: datetime, limit: int) -> int:
        """Claim what is due at `now` and fire it at once; returns how many rows were claimed."""
        async with self.claim(now, limit) as batch:
            if batch:
                await batch.fire()
            return len(batch)
