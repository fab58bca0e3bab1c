"""What a customer (or a partner acting for one) sees of a clock: the promise and how it stands, never the
desk's internal machinery. The rule (docs/customers-and-slas.md): the targets promised, the deadlines, and
met/breached per clock of its own cases; never the internal warnings, the breach actions, or who was alerted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from sla_timer.domain.clock_model import ClockStatus, CycleSummary
from sla_timer.domain.durations import format_duration
from sla_timer.domain.explain import KIND_WORDS, ClockExplanation

_STANDING = {
    ClockStatus.RUNNING: "running",
    ClockStatus.PAUSED: "paused while the case waits for you",
    ClockStatus.MET: "met",
    ClockStatus.BREACHED: "breached",
    ClockStatus.STOPPED: "closed without a verdict",
    ClockStatus.CANCELLED: "not counted (the case was cancelled)",
    ClockStatus.NOT_STARTED: "not started",
}


def _when(instant: datetime | None, zone: tzinfo | None) -> str:
    return "-" if instant is None else instant.astimezone(zone).isoformat(sep=" ", timespec="seconds")


def _cycle(cycle: CycleSummary) -> CycleSummary:
    return replace(cycle, firings=tuple(f for f in cycle.firings if f.is_breach and f.active))


def for_customer(explained: ClockExplanation, zone: tzinfo | None) -> ClockExplanation:
    """The explanation without warnings, withdrawn warnings, actions or the desk's notes."""
    what = KIND_WORDS.get(explained.kind, explained.kind.lower())
    next_due = explained.next_due if explained.next_due is not None and explained.next_due.is_breach else None
    breach = replace(explained.breach, note="") if explained.breach is not None else None
    if explained.target is None:
        promise = f"No {what} time is promised at {explained.priority or 'this priority'}."
    else:
        promise = (
            f"{explained.priority} {what}: {format_duration(explained.target)} of business time on calendar "
            f"{explained.calendar!r} ({explained.time_zone})."
        )
    sentences = [promise]
    if explained.deadline is not None:
        sentences.append(f"Deadline {_when(explained.deadline, zone)}.")
    standing = _STANDING[explained.status]
    if explained.stopped_at is not None and explained.status in (ClockStatus.MET, ClockStatus.BREACHED):
        standing += f" (stopped {_when(explained.stopped_at, zone)})"
    sentences.append(f"Status: {standing}.")
    return replace(
        explained,
        warnings=(),
        withdrawn=(),
        next_due=next_due,
        breach=breach,
        previous_cycles=tuple(_cycle(c) for c in explained.previous_cycles),
        why=" ".join(sentences),
    )
