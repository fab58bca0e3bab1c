"""Operations on an SLA clock, driven by case events at the EVENT'S OWN TIME.

Rules for late, duplicated and out-of-order events (deterministic, order-independent
where it matters):
- start/pause/resume/priority change/reopen older than the clock's last transition are
  stale and ignored (reported with applied=False): moving a pause into the past would
  rewrite warnings already sent on the strength of a later event.
- a stop (met/breached), an end (no verdict) and a cancel are applied by their own
  time even when older than the last transition: the clock is rewound to that instant
  (pauses and priority changes after it dropped). A stop older than an existing stop
  re-judges the clock at the earlier time; the earliest stop wins.
- a firing (warning or breach) due after the event time of a late event that removes
  or postpones it is WITHDRAWN: recorded with when and why, never silently dropped;
  the item is re-armed and fires again if it comes due again (e.g. after a resume).
- a stop seen before its start is remembered (NOT_STARTED, or pending on a closed
  clock) and applied when the start comes, if the start is not later than it.
- a duplicate (start of a running clock, pause of a paused one...) is ignored.
- a stop at or after the deadline is BREACHED; strictly before it is MET.
- a priority change keeps the business time elapsed; warnings of the new target that
  are already past are SKIPPED (not sent late), a breach already past is due at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import groupby

from sla_timer.domain.clock_close import cancel_clock, continue_clock, end_clock, stop_clock
from sla_timer.domain.clock_model import (
    ClockStatus,
    CycleSummary,
    DueItem,
    FireResult,
    Firing,
    Pause,
    SkippedItem,
    SlaClock,
    TargetRevision,
    Transition,
    warning_index,
)
from sla_timer.domain.clock_timeline import Calendars, elapsed, schedule, upcoming

__all__ = [
    "cancel_clock",
    "cancelled_before_start",
    "change_priority",
    "continue_clock",
    "end_clock",
    "fire_due",
    "not_started",
    "pause_clock",
    "replay_firings",
    "resume_clock",
    "start_clock",
    "stop_clock",
]
from sla_timer.domain.policy import Action, ClockTarget
from sla_timer.domain.vocabulary import ClockKind, Priority


def _refresh(clock: SlaClock, calendars: Calendars) -> SlaClock:
    return replace(clock, upcoming=upcoming(clock, calendars), version=clock.version + 1)


def _rejudge(
    clock: SlaClock, at: datetime, now: datetime, why: str, calendars: Calendars
) -> tuple[SlaClock, tuple[Firing, ...]]:
    """Withdraw firings due after `at` that the state as of `at` no longer makes due by then."""
    due = {s.item: s.due_at for s in schedule(clock, calendars)} if clock.is_open else {}
    firings, withdrawn = [], []
    for firing in clock.firings:
        if firing.active and firing.due_at > at:
            new_due = due.get(firing.item)
            if new_due is None or new_due > firing.due_at:
                firing = replace(firing, withdrawn_at=now, withdrawn_reason=f"{why} at {at.isoformat()}")
                withdrawn.append(firing)
        firings.append(firing)
    return replace(clock, firings=tuple(firings)), tuple(withdrawn)


# ---- start, restart ------------------------------------------------------------------------


def start_clock(
    clock: SlaClock | None,
    *,
    case_id: str,
    kind: ClockKind,
    at: datetime,
    priority: Priority,
    policy: str,
    target: ClockTarget | None,
    calendars: Calendars,
    now: datetime | None = None,
) -> Transition:
    """Start a clock, or restart a closed one as a new cycle (reopen, next visit, next repair)."""
    now = now or at
    revision = TargetRevision(at, priority, policy, target)
    cycle, history = 1, tuple[CycleSummary, ...]()
    if clock is not None and clock.status is not ClockStatus.NOT_STARTED:
        if clock.is_open:
            return Transition.ignored(clock, "already running")
        if clock.status is ClockStatus.CANCELLED:
            return Transition.ignored(clock, "the case was cancelled")
        assert clock.stopped_at is not None
        if at < clock.stopped_at:
            return Transition.ignored(clock, f"stale: starts before the last stop at {clock.stopped_at.isoformat()}")
        summary = CycleSummary(
            cycle=clock.cycle,
            started_at=clock.started_at,
            stopped_at=clock.stopped_at,
            status=clock.status,
            business_elapsed=(
                clock.business_elapsed_at_stop
                if clock.business_elapsed_at_stop is not None
                else elapsed(clock, clock.stopped_at, calendars)
            ),
            firings=clock.firings,
            revisions=clock.revisions,
        )
        cycle, history = clock.cycle + 1, (*clock.history, summary)
    fresh = SlaClock(
        case_id=case_id,
        kind=kind,
        status=ClockStatus.RUNNING,
        started_at=at,
        revisions=(revision,),
        last_transition_at=at,
        cycle=cycle,
        history=history,
        version=clock.version if clock is not None else 0,
    )
    fresh = _refresh(fresh, calendars)
    note = "started" if cycle == 1 else f"restarted (cycle {cycle})"
    # a stop seen before the first start always applies (clamped to the start: clock skew);
    # one kept on a closed clock applies only to a cycle that starts no later than it
    if clock is not None and clock.pending_stop_at is not None:
        pending_stop = clock.pending_stop_at
        if clock.status is ClockStatus.NOT_STARTED or pending_stop >= at:
            stopped = stop_clock(fresh, at=pending_stop, reason=clock.pending_stop_reason, calendars=calendars, now=now)
            return replace(stopped, note=f"{note}, then stopped by the stop that came first")
    return Transition(clock=fresh, applied=True, note=note)


def not_started(case_id: str, kind: ClockKind, *, at: datetime, reason: str) -> SlaClock:
    """A placeholder for a stop that arrived before its start."""
    return SlaClock(
        case_id=case_id,
        kind=kind,
        status=ClockStatus.NOT_STARTED,
        started_at=at,
        revisions=(),
        last_transition_at=at,
        pending_stop_at=at,
        pending_stop_reason=reason,
        version=1,
    )


def cancelled_before_start(case_id: str, kind: ClockKind, *, at: datetime, reason: str) -> SlaClock:
    """A tombstone for a case cancelled before this clock started: a later start is ignored."""
    return SlaClock(
        case_id=case_id,
        kind=kind,
        status=ClockStatus.CANCELLED,
        started_at=at,
        revisions=(),
        last_transition_at=at,
        stopped_at=at,
        stop_reason=reason,
        version=1,
    )


# ---- pause, resume, priority ---------------------------------------------------------------


def pause_clock(
    clock: SlaClock,
    *,
    at: datetime,
    calendars: Calendars,
    reason: str = "waiting_for_customer",
    now: datetime | None = None,
) -> Transition:
    if clock.status is not ClockStatus.RUNNING:
        return Transition.ignored(clock, "already paused" if clock.status is ClockStatus.PAUSED else "not running")
    if at < clock.last_transition_at:
        return Transition.ignored(
            clock, f"stale: older than the last transition at {clock.last_transition_at.isoformat()}"
        )
    paused = replace(
        clock, status=ClockStatus.PAUSED, pauses=(*clock.pauses, Pause(at, None, reason)), last_transition_at=at
    )
    paused, withdrawn = _rejudge(paused, at, now or at, "paused", calendars)
    return Transition(clock=_refresh(paused, calendars), applied=True, note="paused", withdrawn=withdrawn)


def resume_clock(clock: SlaClock, *, at: datetime, calendars: Calendars, now: datetime | None = None) -> Transition:
    if clock.status is not ClockStatus.PAUSED:
        return Transition.ignored(clock, "not paused")
    if at < clock.last_transition_at:
        return Transition.ignored(
            clock, f"stale: older than the last transition at {clock.last_transition_at.isoformat()}"
        )
    last = clock.pauses[-1]
    resumed = replace(
        clock,
        status=ClockStatus.RUNNING,
        pauses=(*clock.pauses[:-1], replace(last, end=at)),
        last_transition_at=at,
    )
    resumed, withdrawn = _rejudge(resumed, at, now or at, "resumed", calendars)
    return Transition(clock=_refresh(resumed, calendars), applied=True, note="resumed", withdrawn=withdrawn)


def change_priority(
    clock: SlaClock,
    *,
    at: datetime,
    priority: Priority,
    policy: str,
    target: ClockTarget | None,
    calendars: Calendars,
    now: datetime | None = None,
) -> Transition:
    """Put the clock under a new target from `at` on, keeping the business time already elapsed."""
    if not clock.is_open:
        return Transition.ignored(clock, "not running")
    if at < clock.last_transition_at:
        return Transition.ignored(
            clock, f"stale: older than the last transition at {clock.last_transition_at.isoformat()}"
        )
    current = clock.revision
    if (current.priority, current.policy, current.target) == (priority, policy, target):
        return Transition.ignored(clock, f"already {priority} under policy {policy!r}")
    revision = TargetRevision(at, priority, policy, target)
    kept = clock.revisions[:-1] if current.effective_at == at else clock.revisions
    changed = replace(clock, revisions=(*kept, revision), last_transition_at=at)
    changed, withdrawn = _rejudge(changed, at, now or at, f"priority changed to {priority}", calendars)
    skipped = tuple(
        SkippedItem(s.item, s.label, f"already past when the priority changed to {priority} at {at.isoformat()}")
        for s in schedule(changed, calendars)
        if s.item.startswith("warning:")
        and s.reached_at is not None
        and s.reached_at < at
        and changed.active_firing(s.item) is None
    )
    changed = replace(changed, skipped=skipped)
    return Transition(
        clock=_refresh(changed, calendars), applied=True, note=f"priority changed to {priority}", withdrawn=withdrawn
    )


# ---- firing ----------------------------------------------------------------------------------


def fire_due(clock: SlaClock, *, now: datetime, calendars: Calendars) -> FireResult:
    """Fire every warning and the breach due at or before `now` (never early), in due order.

    Takes them from the head of `clock.upcoming`, which every state change keeps exact, so firing
    does no calendar arithmetic; `calendars` is kept for callers that hold a clock from elsewhere."""
    if not clock.is_open:
        return FireResult(clock=clock, fired=(), next_due_at=None)
    count = 0
    for item in clock.upcoming:
        if item.due_at > now:
            break
        count += 1
    if not count:
        return FireResult(clock=clock, fired=(), next_due_at=clock.next_due_at)
    fired = tuple(Firing(d.item, d.label, d.due_at, now, _actions_of(clock, d)) for d in clock.upcoming[:count])
    updated = replace(
        clock, firings=(*clock.firings, *fired), upcoming=clock.upcoming[count:], version=clock.version + 1
    )
    return FireResult(clock=updated, fired=fired, next_due_at=updated.next_due_at)


def replay_firings(clock: SlaClock, fired_at: Sequence[datetime], calendars: Calendars) -> SlaClock:
    """The clock after firings recorded outside its document, one instant per item fired in due order.

    PostgreSQL's firing statement records only when each of the clock's next items fired; the items fired
    at one instant are what fire_due fires at that instant, so replaying fire_due rebuilds the clock exactly."""
    for instant, items in groupby(fired_at):
        expected = len(list(items))
        result = fire_due(clock, now=instant, calendars=calendars)
        if len(result.fired) != expected:
            raise ValueError(
                f"clock {clock.case_id}/{clock.kind.value}: {expected} firing(s) recorded at {instant.isoformat()}, "
                f"but {len(result.fired)} were due then"
            )
        clock = result.clock
    return clock


def _actions_of(clock: SlaClock, due: DueItem) -> tuple[Action, ...]:
    target = clock.target
    if target is None:
        return ()
    if due.is_breach:
        return target.breach_actions
    return target.warnings[warning_index(due.item)].actions
