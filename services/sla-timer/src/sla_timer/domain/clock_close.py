"""Closing a clock: its own stop (MET/BREACHED), an end without verdict, a cancel.

All three are applied by the event's own time, even when older than the last
transition: the clock is rewound to that instant (see the rules in `clock.py`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sla_timer.domain.clock_model import (
    BREACH,
    OPEN_STATUSES,
    ClockStatus,
    Firing,
    SkippedItem,
    SlaClock,
    Transition,
)
from sla_timer.domain.clock_timeline import Calendars, elapsed, pending, schedule, upcoming


def _terminate(
    clock: SlaClock, at: datetime, *, mode: str, reason: str, calendars: Calendars, now: datetime
) -> Transition:
    """Close the clock at `at` (rewinding anything later): mode is 'stop', 'end' or 'cancel'."""
    at = max(at, clock.started_at)
    rewound = replace(
        clock,
        status=ClockStatus.STOPPED,
        stopped_at=at,
        stop_reason=reason,
        pauses=tuple(replace(p, end=at) if p.end is None or p.end > at else p for p in clock.pauses if p.start < at),
        revisions=tuple(r for i, r in enumerate(clock.revisions) if i == 0 or r.effective_at <= at),
        last_transition_at=at,
        upcoming=(),
    )
    firings, withdrawn = [], []
    for firing in rewound.firings:
        if firing.active and firing.due_at > at:
            firing = replace(
                firing, withdrawn_at=now, withdrawn_reason=f"{reason} at {at.isoformat()}, before it was due"
            )
            withdrawn.append(firing)
        firings.append(firing)
    fired, skipped = [], list(rewound.skipped)
    for item in pending(replace(rewound, firings=tuple(firings)), calendars):
        assert item.due_at is not None
        if item.due_at > at:
            continue
        if item.item == BREACH and mode != "cancel":
            fired.append(Firing(item.item, item.label, item.due_at, now, item.actions))
        else:
            skipped.append(SkippedItem(item.item, item.label, f"not sent: the clock closed ({reason})"))
    closed = replace(rewound, firings=(*firings, *fired), skipped=tuple(skipped))
    if mode == "cancel":
        status = ClockStatus.CANCELLED
    elif closed.breach is not None:
        status = ClockStatus.BREACHED
    elif mode == "stop" and closed.target is not None:
        status = ClockStatus.MET
    else:
        status = ClockStatus.STOPPED
    used = elapsed(closed, at, calendars)
    closed = replace(closed, status=status, business_elapsed_at_stop=used, version=clock.version + 1)
    return Transition(
        clock=closed,
        applied=True,
        note=f"{status.value.lower()} ({reason})",
        fired=tuple(fired),
        withdrawn=tuple(withdrawn),
        verdict=status,
        business_elapsed=used,
    )


def _close(clock: SlaClock, at: datetime, mode: str, reason: str, calendars: Calendars, now: datetime) -> Transition:
    if clock.status is ClockStatus.CANCELLED:
        return Transition.ignored(clock, "the case was cancelled")
    if clock.status is ClockStatus.NOT_STARTED:
        if mode != "stop":
            return Transition.ignored(clock, "never started")
        earliest = min(at, clock.pending_stop_at or at)
        remembered = replace(clock, pending_stop_at=earliest, pending_stop_reason=reason, version=clock.version + 1)
        return Transition(clock=remembered, applied=True, note="stop remembered until the clock starts")
    if at < clock.started_at and clock.cycle > 1:
        return Transition.ignored(clock, f"stale: before this cycle started at {clock.started_at.isoformat()}")
    if clock.status in OPEN_STATUSES:
        return _terminate(clock, at, mode=mode, reason=reason, calendars=calendars, now=now)
    assert clock.stopped_at is not None
    if mode == "stop" and at < clock.stopped_at:
        judged = _terminate(clock, at, mode=mode, reason=reason, calendars=calendars, now=now)
        return replace(judged, note=f"re-judged by an earlier stop: {judged.note}")
    if mode == "stop" and at > clock.stopped_at and (clock.pending_stop_at is None or at < clock.pending_stop_at):
        remembered = replace(clock, pending_stop_at=at, pending_stop_reason=reason, version=clock.version + 1)
        return Transition(clock=remembered, applied=True, note="already stopped; kept for a next cycle")
    return Transition.ignored(clock, "already stopped")


def stop_clock(
    clock: SlaClock, *, at: datetime, reason: str, calendars: Calendars, now: datetime | None = None
) -> Transition:
    """The clock's own stop event: MET before the deadline, BREACHED at or after it."""
    return _close(clock, at, "stop", reason, calendars, now or at)


def end_clock(
    clock: SlaClock, *, at: datetime, reason: str, calendars: Calendars, now: datetime | None = None
) -> Transition:
    """Close without a verdict (case closed or resolved first): STOPPED, or BREACHED if a breach stands."""
    return _close(clock, at, "end", reason, calendars, now or at)


def cancel_clock(
    clock: SlaClock, *, at: datetime, reason: str, calendars: Calendars, now: datetime | None = None
) -> Transition:
    """The case was cancelled: the clock closes uncounted; firings due after `at` are withdrawn."""
    if clock.status in (ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.STOPPED):
        cancelled = replace(clock, status=ClockStatus.CANCELLED, stop_reason=reason, version=clock.version + 1)
        return Transition(clock=cancelled, applied=True, note="cancelled", verdict=ClockStatus.CANCELLED)
    return _close(clock, at, "cancel", reason, calendars, now or at)


def continue_clock(
    clock: SlaClock, *, at: datetime, reason: str, calendars: Calendars, now: datetime | None = None
) -> Transition:
    """A stop that did not hold (the customer rejected the resolution): the same cycle runs on from its
    start, the time since the stop counting too (the outage was never restored). Its verdict is void;
    warnings that fell due meanwhile are skipped, a breach already past is due at once."""
    if clock.status not in (ClockStatus.MET, ClockStatus.STOPPED, ClockStatus.BREACHED):
        return Transition.ignored(clock, "not stopped: nothing to continue")
    assert clock.stopped_at is not None
    if at < clock.stopped_at:
        return Transition.ignored(clock, f"stale: older than the stop at {clock.stopped_at.isoformat()}")
    running = replace(
        clock,
        status=ClockStatus.RUNNING,
        stopped_at=None,
        stop_reason="",
        business_elapsed_at_stop=None,
        last_transition_at=at,
    )
    late = tuple(
        SkippedItem(s.item, s.label, f"already past when the stop was undone ({reason})")
        for s in schedule(running, calendars)
        if s.item != BREACH
        and s.reached_at is not None
        and s.reached_at < at
        and running.active_firing(s.item) is None
        and not running.is_skipped(s.item)
    )
    running = replace(running, skipped=(*running.skipped, *late))
    running = replace(running, upcoming=upcoming(running, calendars), version=clock.version + 1)
    # a met was announced: it is taken back; a breach stays a breach
    voided = ClockStatus.MET if clock.status is ClockStatus.MET else None
    return Transition(
        clock=running, applied=True, note=f"running again ({reason})", voided=voided, voided_reason=reason
    )
