"""The web form's per-client limit: a token bucket per client address.

`SharedRateLimiter` keeps the buckets in the service's database, so the limit holds across every
replica (a client spreading its posts over replicas still gets `burst` at once); `RateLimiter`
keeps them in memory (one process: embedded mode and unit tests). Both take the same step."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from aftercare_platform.clock import Clock
from aftercare_platform.db.statements import insert_ignore, is_postgres
from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import delete, select, update

from intake.adapters.tables import rate_buckets


class ClientLimiter(Protocol):
    async def allow(self, client: str) -> tuple[bool, float]:
        """(allowed, seconds until the next request would be allowed)."""
        ...


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated: float  # epoch seconds


def take(bucket: Bucket | None, now: float, *, rate: float, burst: float) -> tuple[Bucket, bool, float]:
    """One request against a bucket (None: a client not seen, or forgotten, starts full)."""
    current = bucket or Bucket(burst, now)
    tokens = min(burst, current.tokens + max(0.0, now - current.updated) * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), True, 0.0
    return Bucket(tokens, now), False, (1.0 - tokens) / rate


class RateLimiter:
    """In memory: `burst` requests at once, refilled at `per_minute`; at most `max_clients` clients."""

    def __init__(self, clock: Clock, *, per_minute: float, burst: int, max_clients: int = 100_000) -> None:
        self._clock = clock
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._max = max_clients
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    async def allow(self, client: str) -> tuple[bool, float]:
        return self.allow_now(client)

    def allow_now(self, client: str) -> tuple[bool, float]:
        bucket, allowed, wait = take(self._buckets.pop(client, None), self._clock.now().timestamp(),
                                     rate=self._rate, burst=self._burst)
        self._buckets[client] = bucket
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed, wait


class SharedRateLimiter:
    """In the database: one row per client, taken under a row lock, so replicas share one bucket."""

    def __init__(self, database: Database, *, per_minute: float, burst: int, sweep_every: int = 1000) -> None:
        self._db = database
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._sweep_every = sweep_every
        self._calls = 0

    async def allow(self, client: str) -> tuple[bool, float]:
        key = client[:200]
        async with self._db.unit_of_work() as uow:
            connection, now = uow.connection, uow.clock.now().timestamp()
            await connection.execute(insert_ignore(
                connection, rate_buckets, ["client"], {"client": key, "tokens": self._burst, "updated": now}))
            query = select(rate_buckets.c.tokens, rate_buckets.c.updated).where(rate_buckets.c.client == key)
            if is_postgres(connection):
                query = query.with_for_update()
            row = (await connection.execute(query)).one()
            bucket, allowed, wait = take(Bucket(row.tokens, row.updated), now, rate=self._rate, burst=self._burst)
            await connection.execute(update(rate_buckets).where(rate_buckets.c.client == key)
                                  .values(tokens=bucket.tokens, updated=bucket.updated))
            self._calls += 1
            if self._calls % self._sweep_every == 0:  # a bucket idle long enough is full: forget it
                await connection.execute(delete(rate_buckets).where(
                    rate_buckets.c.updated < now - self._burst / self._rate))
        return allowed, wait
