"""The sla-timer service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings
from pydantic import Field


class SlaTimerSettings(ServiceSettings):
    service_name: str = "sla-timer"
    http_port: int = 8003
    grpc_port: int = 50053
    # how far ahead the firing scheduler looks for due instants (it holds at most look_ahead_limit of them)
    look_ahead_seconds: float = Field(default=2.0, gt=0, le=60)
    look_ahead_limit: int = Field(default=1000, ge=1, le=100_000)
    # how many due clocks one firing transaction claims (FOR UPDATE SKIP LOCKED LIMIT n)
    claim_batch_size: int = Field(default=500, ge=1, le=10_000)
    # how long before an instant the due clocks are claimed and decoded (they stay locked until fired)
    claim_lead_ms: float = Field(default=15.0, ge=0, le=1000)
    # connections that drain a backlog of due clocks together (one's Python work overlaps another's SQL)
    firing_lanes: int = Field(default=2, ge=1, le=16)
    # on PostgreSQL, run the firing loop on an event loop of its own thread (see entrypoints/firing_thread.py)
    firing_thread: bool = True
    # a firing loop busy committing NOTIFYs other replicas' relays at most this often (its own replica's relay
    # is woken in process after every commit); measured on 250 firings/s when NOTIFY was the only wake:
    # every 100 ms -> p99 lateness ~170 ms, every 1 s -> ~30 ms
    outbox_notify_interval_ms: float = Field(default=1000.0, ge=0, le=5000)
    # the outbox relay holds back while the firing loop drains a burst of due clocks, at most this long at a
    # time (0: never). Off: in a 20,000 burst the last event reached a subscriber as soon either way, and half of
    # them 0.4 s sooner without holding back (the first 1.4 s sooner); holding back fires (stamps) them ~1.6 s
    # sooner but delivers them no sooner (bench/bench_sla_timer.py --only burst, four alternating pairs, stop 34)
    relay_yield_max_seconds: float = Field(default=0.0, ge=0, le=60)
    # false runs a replica that only consumes and serves (no firing)
    firing_enabled: bool = True
