"""What GetCaseSla shows for a clock: its target, calendar, time used, pauses, deadlines and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil.parser import isoparse

from sla_timer.domain.clock_model import (
    BREACH,
    ClockStatus,
    CycleSummary,
    DueItem,
    Firing,
    Pause,
    SlaClock,
    TargetRevision,
)
from sla_timer.domain.clock_timeline import Calendars, calendar_of, elapsed, schedule
from sla_timer.domain.durations import format_duration
from sla_timer.domain.policy import Policy
from sla_timer.domain.vocabulary import ClockKind

# an RFC 3339 instant written into a stored reason ("paused at 2026-03-09T02:00:00+00:00")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")

KIND_WORDS = {
    "FIRST_RESPONSE": "first response",
    "ON_SITE": "on-site arrival",
    "DIAGNOSIS_REPORT": "diagnosis report",
    "RESTORE": "restore",
    "LOANER": "loaner",
    "WORKAROUND": "workaround",
    "PERMANENT_FIX": "permanent fix",
    "HAND_UP": "hand-up",
    "VENDOR_RESPONSE": "vendor response",
}


@dataclass(frozen=True)
class ItemExplanation:
    item: str
    label: str
    # "pending", "fired", "withdrawn", "skipped" or "unreachable" (paused or stopped short of it)
    state: str
    due_at: datetime | None
    fired_at: datetime | None = None
    withdrawn_at: datetime | None = None
    note: str = ""
    # for a fired item: the priority and target in force when it came due
    priority: str | None = None
    target: timedelta | None = None


@dataclass(frozen=True)
class ClockExplanation:
    case_id: str
    kind: str
    cycle: int
    status: ClockStatus
    policy: str | None
    priority: str | None
    target: timedelta | None
    calendar: str | None
    time_zone: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    business_elapsed: timedelta
    remaining: timedelta | None
    pauses: tuple[Pause, ...]
    deadline: datetime | None
    next_due: DueItem | None
    warnings: tuple[ItemExplanation, ...]
    breach: ItemExplanation | None
    withdrawn: tuple[Firing, ...]
    previous_cycles: tuple[CycleSummary, ...]
    why: str
    # every target the cycle ran under, in order (a priority change adds one)
    targets_in_force: tuple[TargetRevision, ...] = ()


def _items(clock: SlaClock, calendars: Calendars) -> list[ItemExplanation]:
    result = []
    for s in schedule(clock, calendars):
        firing = clock.active_firing(s.item)
        skipped = next((k for k in clock.skipped if k.item == s.item), None)
        last_withdrawn = next((f for f in reversed(clock.firings) if f.item == s.item and not f.active), None)
        if firing is not None:
            revision = clock.revision_at(firing.due_at)
            held = revision.target.target if revision.target is not None else None
            result.append(
                ItemExplanation(s.item, s.label, "fired", firing.due_at, firing.fired_at,
                                priority=revision.priority.value, target=held)
            )  # fmt: skip
        elif skipped is not None:
            result.append(ItemExplanation(s.item, s.label, "skipped", s.due_at, note=skipped.reason))
        elif s.due_at is None:
            result.append(ItemExplanation(s.item, s.label, "unreachable", None))
        else:
            state, note, withdrawn_at = "pending", "", None
            if last_withdrawn is not None:
                state, note, withdrawn_at = "withdrawn", last_withdrawn.withdrawn_reason, last_withdrawn.withdrawn_at
            result.append(ItemExplanation(s.item, s.label, state, s.due_at, withdrawn_at=withdrawn_at, note=note))
    return result


def _when(instant: datetime | None, zone: tzinfo | None) -> str:
    if instant is None:
        return "never"
    return instant.astimezone(zone).isoformat(sep=" ", timespec="seconds")


def _in_zone(text: str, zone: tzinfo | None) -> str:
    """A stored reason with its instants written in the explanation's one zone."""
    return _INSTANT.sub(lambda m: _when(isoparse(m.group(0)), zone), text)


def _under(revision: TargetRevision | None, what: str) -> str:
    if revision is None:
        return ""
    if revision.target is None:
        return f" under {revision.priority} (no {what} target)"
    return f" under {revision.priority} ({format_duration(revision.target.target)} {what} target)"


def explain(clock: SlaClock, *, now: datetime, calendars: Calendars, zone: tzinfo | None = None) -> ClockExplanation:
    """Everything GetCaseSla reports for one clock, with a human sentence saying why it stands so.

    Every time in the sentence is written in `zone` (the case's calendar zone: one zone for all its clocks;
    by default the zone of this clock's calendar)."""
    what = KIND_WORDS.get(clock.kind.value, clock.kind.value.lower())
    if clock.status is ClockStatus.NOT_STARTED or not clock.revisions:
        if clock.status is ClockStatus.CANCELLED:
            why = f"The case was cancelled ({clock.stop_reason}) before the {what} clock started: not counted."
        else:
            why = f"The {what} clock has not started; a stop at {clock.pending_stop_at} came first and applies then."
        return ClockExplanation(
            clock.case_id, clock.kind.value, clock.cycle, clock.status, None, None, None, None, None, None, None,
            timedelta(0), None, (), None, None, (), None, (), clock.history, why,
        )  # fmt: skip
    target = clock.target
    cal_name = target.calendar if target is not None else None
    zone_name = calendar_of(calendars, cal_name).time_zone if cal_name is not None else None
    if zone is None and cal_name is not None:
        zone = calendar_of(calendars, cal_name).zone
    used = (
        clock.business_elapsed_at_stop
        if clock.business_elapsed_at_stop is not None
        else elapsed(clock, now if clock.stopped_at is None else clock.stopped_at, calendars)
    )
    items = _items(clock, calendars)
    breach = next((i for i in items if i.item == BREACH), None)
    warnings = tuple(i for i in items if i.item != BREACH)
    deadline = breach.due_at if breach is not None else None
    remaining = max(target.target - used, timedelta(0)) if target is not None else None

    def at(instant: datetime | None) -> str:
        return _when(instant, zone)

    sentences = []
    if target is None and clock.kind is ClockKind.VENDOR_RESPONSE:
        sentences.append(
            f"The original vendor promised no answer time and policy {clock.policy!r} promises no {what} time at "
            f"{clock.priority}: this clock records when the vendor answers but can never breach."
        )
    elif target is None:
        sentences.append(
            f"Policy {clock.policy!r} promises no {what} time at {clock.priority}; "
            "the clock counts nothing until a priority with a target is set."
        )
    else:
        sentences.append(
            f"{clock.priority} {what} under policy {clock.policy!r}: {format_duration(target.target)} of business "
            f"time on calendar {cal_name!r} ({zone_name}); {format_duration(used)} used."
        )
    if target is not None and clock.kind is ClockKind.VENDOR_RESPONSE:
        sentences.append(f"Deadline {at(deadline)}: the original vendor's own promised answer when its engagement "
                         "named one (elapsed time, never paused), else the policy's target.")
    if len(clock.revisions) > 1:
        steps = [f"{r.priority} {format_duration(r.target.target) if r.target else 'no target'} from "
                 f"{at(r.effective_at)}" for r in clock.revisions]  # fmt: skip
        sentences.append("Targets in force: " + ", ".join(steps) + ".")
    status = clock.status
    if status is ClockStatus.RUNNING and target is not None:
        sentences.append(f"Running since {at(clock.started_at)}, {format_duration(remaining or timedelta(0))} left.")
    elif status is ClockStatus.PAUSED:
        since = clock.pauses[-1]
        sentences.append(f"Paused since {at(since.start)} ({since.reason}); no deadline runs while paused.")
    elif status is ClockStatus.MET:
        sentences.append(f"Met: stopped at {at(clock.stopped_at)} ({clock.stop_reason}) before the deadline.")
    elif status is ClockStatus.BREACHED:
        how = f", then stopped at {at(clock.stopped_at)} ({clock.stop_reason})" if clock.stopped_at else ""
        due = clock.breach.due_at if clock.breach else None
        under = _under(clock.revision_at(due), what) if due is not None else ""
        sentences.append(f"Breached{under}: the target ran out at {at(due)}{how}.")
    elif status is ClockStatus.STOPPED:
        sentences.append(f"Stopped without a verdict at {at(clock.stopped_at)} ({clock.stop_reason}).")
    elif status is ClockStatus.CANCELLED:
        sentences.append(f"Cancelled ({clock.stop_reason}): not counted.")
    if clock.is_open and clock.breach is not None:
        under = _under(clock.revision_at(clock.breach.due_at), what)
        sentences.append(f"Breached{under} at {at(clock.breach.due_at)}; still counting.")
    if clock.is_open and clock.next_due is not None:
        sentences.append(f"Next: {clock.next_due.label} at {at(clock.next_due.due_at)}.")
    closed_pauses = [p for p in clock.pauses if p.end is not None]
    if closed_pauses:
        total = sum((p.end - p.start for p in closed_pauses if p.end is not None), timedelta(0))
        sentences.append(f"Paused {len(closed_pauses)} time(s) before, {format_duration(total)} in all.")
    withdrawn = tuple(f for f in clock.firings if not f.active)
    for firing in withdrawn:
        reason = _in_zone(firing.withdrawn_reason, zone)
        sentences.append(f"The {firing.label} fired at {at(firing.fired_at)} was withdrawn: {reason}.")
    for skipped in clock.skipped:
        sentences.append(f"Warning {skipped.label} skipped: {_in_zone(skipped.reason, zone)}.")
    if clock.cycle > 1:
        earlier = ", ".join(_cycle_words(c, what) for c in clock.history)
        sentences.append(f"Cycle {clock.cycle}; earlier: {earlier}.")
    # sla.proto: BREACHED once the breach fired, whether or not the clock has stopped since
    reported = ClockStatus.BREACHED if clock.is_open and clock.breach is not None else status
    return ClockExplanation(
        case_id=clock.case_id,
        kind=clock.kind.value,
        cycle=clock.cycle,
        status=reported,
        policy=clock.policy,
        priority=clock.priority.value,
        target=target.target if target is not None else None,
        calendar=cal_name,
        time_zone=zone_name,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
        business_elapsed=used,
        remaining=remaining,
        pauses=clock.pauses,
        deadline=deadline,
        next_due=clock.next_due,
        warnings=warnings,
        breach=breach,
        withdrawn=withdrawn,
        previous_cycles=clock.history,
        why=" ".join(sentences),
        targets_in_force=clock.revisions,
    )


def case_zone(policy: Policy, calendars: Calendars) -> tzinfo:
    """The one zone a case's explanation writes its times in: its policy's first calendar's (else UTC)."""
    names = [t.calendar for _, _, t in policy.rows() if t.calendar in calendars]
    return calendars[names[0]].zone if names else UTC


def _cycle_words(cycle: CycleSummary, what: str) -> str:
    """"cycle 1 BREACHED under P1 (5m first response target)" """
    breach = next((f for f in cycle.firings if f.is_breach and f.active), None)
    revision = cycle.revision_at(breach.due_at) if breach is not None else (
        cycle.revisions[-1] if cycle.revisions else None
    )  # fmt: skip
    return f"cycle {cycle.cycle} {cycle.status.value}{_under(revision, what)}"
