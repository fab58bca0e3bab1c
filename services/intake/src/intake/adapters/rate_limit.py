"""A token bucket per client (the web form's per-IP limit). In memory: each replica limits on its own."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from aftercare_platform.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`burst` requests at once, refilled at `per_minute`; remembers at most `max_clients` clients."""

    def __init__(self, clock: Clock, *, per_minute: float, burst: int, max_clients: int = 100_000) -> None:
        self._clock = clock
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._max = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, client: str) -> tuple[bool, float]:
        """(allowed, seconds until the next request would be allowed)."""
        now = self._clock.now().timestamp()
        bucket = self._buckets.pop(client, None) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._buckets[client] = bucket
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True, 0.0
        return False, (1.0 - bucket.tokens) / self._rate
