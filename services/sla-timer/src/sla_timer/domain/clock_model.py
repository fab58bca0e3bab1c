"""The state of one SLA clock (one case, one clock kind) as plain immutable data.

Operations live in `clock.py`; the arithmetic over this state in `clock_timeline.py`.
A clock may run several cycles (a reopened case restarts its restore clock, a second
visit restarts the on-site clock); `history` keeps the closed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sla_timer.domain.policy import Action, ClockTarget
from sla_timer.domain.vocabulary import ClockKind, Priority

BREACH = "breach"


def warning_item(index: int) -> str:
    return f"warning:{index}"


def warning_index(item: str) -> int:
    """The position in its target's warnings of a `warning:<n>` item."""
    return int(item.partition(":")[2])


class ClockStatus(StrEnum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    # closed by its own stop event before the deadline
    MET = "MET"
    # closed at or after the deadline
    BREACHED = "BREACHED"
    # closed without a verdict (case closed or resolved before the clock's own stop came, no breach)
    STOPPED = "STOPPED"
    # the case was cancelled: never counted
    CANCELLED = "CANCELLED"
    # only a stop has been seen (it arrived before the start); it is applied when the start comes
    NOT_STARTED = "NOT_STARTED"


OPEN_STATUSES = frozenset({ClockStatus.RUNNING, ClockStatus.PAUSED})


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None = None
    reason: str = "waiting_for_customer"


@dataclass(frozen=True)
class TargetRevision:
    """The target in force from `effective_at` on; None means the policy promises nothing."""

    effective_at: datetime
    priority: Priority
    policy: str
    target: ClockTarget | None


@dataclass(frozen=True)
class Firing:
    """A warning or the breach, fired once; withdrawn when a late event shows it was not due."""

    item: str
    label: str
    due_at: datetime
    fired_at: datetime
    actions: tuple[Action, ...] = ()
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def is_breach(self) -> bool:
        return self.item == BREACH


@dataclass(frozen=True)
class SkippedItem:
    """A warning that will not be sent: it fell in the past at a priority change or a stop."""

    item: str
    label: str
    reason: str


@dataclass(frozen=True)
class DueItem:
    item: str
    label: str
    due_at: datetime

    @property
    def is_breach(self) -> bool:
        return self.item == BREACH


@dataclass(frozen=True)
class CycleSummary:
    cycle: int
    started_at: datetime
    stopped_at: datetime | None
    status: ClockStatus
    business_elapsed: timedelta
    firings: tuple[Firing, ...] = ()
    # the targets in force during the cycle (the last at its close); empty for cycles kept before they were
    revisions: tuple[TargetRevision, ...] = ()

    def revision_at(self, instant: datetime) -> TargetRevision | None:
        return next((r for r in reversed(self.revisions) if r.effective_at <= instant), None) or (
            self.revisions[0] if self.revisions else None
        )


@dataclass(frozen=True)
class SlaClock:
    case_id: str
    kind: ClockKind
    status: ClockStatus
    started_at: datetime
    revisions: tuple[TargetRevision, ...]
    # the time of the last event applied: older pause/resume/priority events are stale
    last_transition_at: datetime
    cycle: int = 1
    stopped_at: datetime | None = None
    stop_reason: str = ""
    pauses: tuple[Pause, ...] = ()
    firings: tuple[Firing, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    # every unfired warning and the breach still to come, earliest first, computed whenever the state
    # changes: firing takes from its head without re-scanning calendars; its head is what the database indexes
    upcoming: tuple[DueItem, ...] = ()
    # business time used, fixed when the clock closes
    business_elapsed_at_stop: timedelta | None = None
    # a stop that arrived for a cycle not started yet (stop before start, out of order)
    pending_stop_at: datetime | None = None
    pending_stop_reason: str = ""
    history: tuple[CycleSummary, ...] = ()
    # monotonic version, bumped by every applied change (optimistic locking in the repository)
    version: int = field(default=0, compare=False)

    @property
    def revision(self) -> TargetRevision:
        return self.revisions[-1]

    @property
    def priority(self) -> Priority:
        return self.revision.priority

    def revision_at(self, instant: datetime) -> TargetRevision:
        """The target in force at `instant` (a breach is judged under the priority of its time)."""
        return next((r for r in reversed(self.revisions) if r.effective_at <= instant), self.revisions[0])

    @property
    def policy(self) -> str:
        return self.revision.policy

    @property
    def target(self) -> ClockTarget | None:
        return self.revision.target

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def next_due(self) -> DueItem | None:
        """The next unfired warning or the breach."""
        return self.upcoming[0] if self.upcoming else None

    @property
    def next_due_at(self) -> datetime | None:
        return self.upcoming[0].due_at if self.upcoming else None

    @property
    def deadline(self) -> datetime | None:
        """When the breach comes due, while it is still to come."""
        return next((item.due_at for item in self.upcoming if item.is_breach), None)

    def active_firing(self, item: str) -> Firing | None:
        return next((f for f in self.firings if f.item == item and f.active), None)

    @property
    def breach(self) -> Firing | None:
        """The breach that stands (fired and not withdrawn), if any."""
        return self.active_firing(BREACH)

    @property
    def breached(self) -> bool:
        return self.breach is not None or self.status is ClockStatus.BREACHED

    def is_skipped(self, item: str) -> bool:
        return any(s.item == item for s in self.skipped)


@dataclass(frozen=True)
class Transition:
    """What an operation did: the new state, and the facts the handler turns into events."""

    clock: SlaClock
    applied: bool
    note: str
    fired: tuple[Firing, ...] = ()
    withdrawn: tuple[Firing, ...] = ()
    # set when this transition closed the clock (MET, BREACHED, STOPPED, CANCELLED)
    verdict: ClockStatus | None = None
    business_elapsed: timedelta | None = None
    # set when this transition voided a verdict already announced (a MET whose stop did not hold)
    voided: ClockStatus | None = None
    voided_reason: str = ""

    @classmethod
    def ignored(cls, clock: SlaClock, why: str) -> Transition:
        """A duplicate or stale event: nothing changes."""
        return cls(clock=clock, applied=False, note=why)


@dataclass(frozen=True)
class FireResult:
    clock: SlaClock
    fired: tuple[Firing, ...]
    next_due_at: datetime | None
