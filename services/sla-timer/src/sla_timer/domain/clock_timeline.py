"""Business time over a clock's history: running segments, elapsed time, due instants.

A clock runs from `started_at` to `stopped_at` (or on), minus its pauses. Each stretch
is measured on the calendar of the target revision in force then; a stretch under a
revision without a target (the policy promises nothing at that priority) does not count.
Items (warnings, breach) come due when the business time elapsed reaches their offset
under the current target, never before the current revision took effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from aftercare_platform.calendar import Calendar

from sla_timer.domain.clock_model import BREACH, DueItem, SlaClock, warning_item
from sla_timer.domain.errors import UnknownCalendar
from sla_timer.domain.policy import Action

Calendars = Mapping[str, Calendar]


@dataclass(frozen=True)
class Part:
    """A running stretch under one revision; `end` None means still running."""

    start: datetime
    end: datetime | None
    calendar: Calendar | None


@dataclass(frozen=True)
class ScheduledItem:
    item: str
    label: str
    order: int
    offset: timedelta
    # when the item comes due; None while the clock is paused or stopped short of it
    due_at: datetime | None
    # the instant the elapsed business time reached the offset (may precede due_at)
    reached_at: datetime | None
    actions: tuple[Action, ...]

    def as_due(self) -> DueItem:
        assert self.due_at is not None
        return DueItem(self.item, self.label, self.due_at)


def calendar_of(calendars: Calendars, name: str) -> Calendar:
    try:
        return calendars[name]
    except KeyError:
        raise UnknownCalendar(f"no calendar named {name!r}", calendar=name) from None


def running_segments(clock: SlaClock) -> list[tuple[datetime, datetime | None]]:
    segments: list[tuple[datetime, datetime | None]] = []
    cursor: datetime | None = clock.started_at
    for pause in sorted(clock.pauses, key=lambda p: p.start):
        assert cursor is not None
        if pause.start > cursor:
            segments.append((cursor, pause.start))
        if pause.end is None:
            cursor = None
            break
        cursor = max(cursor, pause.end)
    if cursor is not None:
        segments.append((cursor, None))
    if clock.stopped_at is None:
        return segments
    clipped: list[tuple[datetime, datetime | None]] = []
    for start, end in segments:
        stop = clock.stopped_at if end is None else min(end, clock.stopped_at)
        if start < stop:
            clipped.append((start, stop))
    return clipped


def parts(clock: SlaClock, calendars: Calendars) -> list[Part]:
    """Running segments cut at revision boundaries, each with the calendar that measures it."""
    revisions = clock.revisions
    result: list[Part] = []
    for start, end in running_segments(clock):
        for index, revision in enumerate(revisions):
            period_end = revisions[index + 1].effective_at if index + 1 < len(revisions) else None
            low = max(start, revision.effective_at) if index else start
            high = end if period_end is None else (period_end if end is None else min(end, period_end))
            if high is not None and high <= low:
                continue
            calendar = None if revision.target is None else calendar_of(calendars, revision.target.calendar)
            result.append(Part(low, high, calendar))
    return result


def elapsed(clock: SlaClock, at: datetime, calendars: Calendars) -> timedelta:
    """Business time the clock has counted up to `at`."""
    total = timedelta(0)
    for part in parts(clock, calendars):
        if part.calendar is None or part.start >= at:
            continue
        end = at if part.end is None else min(part.end, at)
        total += part.calendar.between(part.start, end)
    return total


def reached_at(clock: SlaClock, amount: timedelta, calendars: Calendars) -> datetime | None:
    """The instant the counted business time reaches `amount`, or None if it has not and cannot yet."""
    counted = timedelta(0)
    for part in parts(clock, calendars):
        if part.calendar is None:
            continue
        if part.end is None:
            return part.calendar.add(part.start, amount - counted)
        span = part.calendar.between(part.start, part.end)
        if counted + span >= amount:
            return part.calendar.add(part.start, amount - counted)
        counted += span
    return None


def schedule(clock: SlaClock, calendars: Calendars) -> list[ScheduledItem]:
    """The current target's warnings (in order) and breach, with when each comes due."""
    revision = clock.revision
    target = revision.target
    if target is None:
        return []
    entries = [(warning_item(i), w.label, w.offset(target.target), w.actions) for i, w in enumerate(target.warnings)]
    entries.append((BREACH, BREACH, target.target, target.breach_actions))
    items = []
    for order, (item, label, offset, actions) in enumerate(entries):
        reached = reached_at(clock, offset, calendars)
        due = None if reached is None else max(reached, revision.effective_at)
        items.append(ScheduledItem(item, label, order, offset, due, reached, actions))
    return items


def pending(clock: SlaClock, calendars: Calendars) -> list[ScheduledItem]:
    """Scheduled items not fired (or whose firing was withdrawn) and not skipped, earliest first."""
    waiting = [
        s
        for s in schedule(clock, calendars)
        if s.due_at is not None and clock.active_firing(s.item) is None and not clock.is_skipped(s.item)
    ]
    return sorted(waiting, key=lambda s: (s.due_at, s.order))


def upcoming(clock: SlaClock, calendars: Calendars) -> tuple[DueItem, ...]:
    """What an open clock still has to fire, earliest first (empty when closed)."""
    if not clock.is_open:
        return ()
    return tuple(s.as_due() for s in pending(clock, calendars))


def next_due(clock: SlaClock, calendars: Calendars) -> DueItem | None:
    waiting = upcoming(clock, calendars)
    return waiting[0] if waiting else None
