"""Vendor-fault downtime: the outages a fault report puts down to the vendor (outage start → restoration of
service), merged. Whose fault it was decides, not the priority: a customer's or a third party's fault
never extends the warranty, a vendor-fault outage does even when its P1 case was lowered to P2.

Two cases open at once for the same outage do not count twice: overlapping (or touching)
intervals are merged before they are added up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aftercare_platform.errors import InvalidArgument


@dataclass(frozen=True)
class DowntimeInterval:
    opened_at: datetime
    restored_at: datetime
    case_number: str | None = None  # where it came from, for the explanation

    def __post_init__(self) -> None:
        if self.opened_at.tzinfo is None or self.restored_at.tzinfo is None:
            raise InvalidArgument.for_field("downtime", "opened_at and restored_at must carry a time zone")
        if self.restored_at < self.opened_at:
            raise InvalidArgument.for_field("downtime", "restored_at is before opened_at")


def merge_intervals(intervals: Iterable[DowntimeInterval]) -> list[tuple[datetime, datetime]]:
    """Disjoint, sorted (start, end) spans covering exactly the same instants as `intervals`."""
    spans = sorted((interval.opened_at, interval.restored_at) for interval in intervals)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total_within(spans: Iterable[tuple[datetime, datetime]], window_start: datetime, window_end: datetime) -> timedelta:
    """How much of the merged `spans` falls inside [window_start, window_end)."""
    total = timedelta()
    for start, end in spans:
        overlap_start, overlap_end = max(start, window_start), min(end, window_end)
        if overlap_end > overlap_start:
            total += overlap_end - overlap_start
    return total


VENDOR = "vendor"


def vendor_outage(fault_party: str, started_at: datetime | None, restored_at: datetime | None,
                  case_number: str | None = None) -> DowntimeInterval | None:
    """The interval a resolved case's fault report adds to the warranty: only a vendor-fault outage."""
    if fault_party != VENDOR or started_at is None or restored_at is None or restored_at < started_at:
        return None
    return DowntimeInterval(started_at, restored_at, case_number)
