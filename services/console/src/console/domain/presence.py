"""Who else has a case open: the staff whose case page holds its live stream, on any console replica.
Pure rules over the watches every replica shares (each kept alive by its replica's heartbeats); storing
them and telling the other replicas are the adapters' and the live stream's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# a replica renews its watches every heartbeat; a watch that missed this many renewals (its replica died) is gone
MISSED_RENEWALS = 3


def ttl_for(heartbeat_seconds: float) -> timedelta:
    return timedelta(seconds=MISSED_RENEWALS * heartbeat_seconds)


PRESENCE_TTL = ttl_for(10.0)


@dataclass(frozen=True)
class Watch:
    """One open case page (one tab) of one viewer."""

    watch_id: str
    case_id: str
    subject: str
    name: str
    seen_at: datetime

    def live(self, now: datetime, ttl: timedelta = PRESENCE_TTL) -> bool:
        return now - self.seen_at <= ttl


def watch(watch_id: str, case_id: str, subject: str, name: str, now: datetime) -> Watch:
    return Watch(watch_id, case_id, subject, " ".join((name or subject).split())[:200] or subject, now)


def others(watches: Iterable[Watch], subject: str, now: datetime, ttl: timedelta = PRESENCE_TTL) -> list[str]:
    """The names of everyone else on the case (one user in two tabs or on two replicas counts once; never
    oneself; a watch whose replica stopped renewing it is gone)."""
    return sorted({w.name for w in watches if w.subject != subject and w.live(now, ttl)})


def expired_before(now: datetime, ttl: timedelta = PRESENCE_TTL) -> datetime:
    """Watches last seen before this are gone."""
    return now - ttl
