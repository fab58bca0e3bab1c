"""Apply clock commands to the clocks of one case (pure: the handler loads, calls this, saves)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from aftercare_platform.errors import FailedPrecondition

from sla_timer.domain.clock import (
    cancel_clock,
    cancelled_before_start,
    change_priority,
    continue_clock,
    end_clock,
    not_started,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from sla_timer.domain.clock_model import ClockStatus, SlaClock, Transition
from sla_timer.domain.clock_timeline import Calendars
from sla_timer.domain.commands import ClockCommand, ClockOp
from sla_timer.domain.customer_terms import NO_TERMS, CustomerTerms
from sla_timer.domain.policy import ClockTarget, Policy
from sla_timer.domain.vendor_promise import promised_target
from sla_timer.domain.vocabulary import ClockKind, Priority


class CasePriorityUnknown(FailedPrecondition):
    """A clock must start but neither the event nor any clock of the case says the priority."""

    code = "case-priority-unknown"


@dataclass(frozen=True)
class Applied:
    kind: ClockKind
    command: ClockCommand
    transition: Transition


@dataclass(frozen=True)
class CaseClocksOutcome:
    clocks: dict[ClockKind, SlaClock]
    applied: tuple[Applied, ...]

    def changed(self) -> dict[ClockKind, SlaClock]:
        """Clocks whose state changed (to save)."""
        return {a.kind: self.clocks[a.kind] for a in self.applied if a.transition.applied}


def _case_priority(clocks: Mapping[ClockKind, SlaClock]) -> Priority | None:
    revised = [c.revision for c in clocks.values() if c.revisions]
    return max(revised, key=lambda r: r.effective_at).priority if revised else None


# clock kinds only some plans promise: started only under a policy with a target for them
OPT_IN_KINDS = frozenset({ClockKind.WORKAROUND, ClockKind.PERMANENT_FIX, ClockKind.HAND_UP})


def _arriving(target: ClockTarget | None, at: datetime, calendars: Calendars) -> ClockTarget | None:
    return None if target is None else target.for_arrival(at, calendars)


def _apply_one(
    clock: SlaClock | None,
    kind: ClockKind,
    command: ClockCommand,
    *,
    case_id: str,
    policy: Policy,
    calendars: Calendars,
    now: datetime,
    case_priority: Priority | None,
    terms: CustomerTerms,
) -> Transition | None:
    at, op = command.at, command.op
    if clock is None and kind in OPT_IN_KINDS and not policy.promises(kind):
        return None  # a clock only some plans promise (workaround, permanent fix, hand-up): not under this one
    if op in (ClockOp.START, ClockOp.REOPEN):
        if op is ClockOp.REOPEN and (clock is None or clock.status is ClockStatus.NOT_STARTED):
            return None
        priority = command.priority or (clock.priority if clock is not None and clock.revisions else case_priority)
        if priority is None:
            raise CasePriorityUnknown(f"case {case_id}: no priority known to start its {kind} clock", case_id=case_id)
        priority = terms.priority(policy, priority)
        target = terms.target(policy, kind, _arriving(policy.target_for(priority, kind), at, calendars))
        if command.promised_by is not None and kind is ClockKind.VENDOR_RESPONSE:
            promised = promised_target(policy, priority, engaged_at=at, promised_by=command.promised_by,
                                       calendars=calendars)
            target = promised or target  # the policy's row only when the promise cannot be counted
        return start_clock(
            clock,
            case_id=case_id,
            kind=kind,
            at=at,
            priority=priority,
            policy=policy.name,
            target=target,
            calendars=calendars,
            now=now,
        )
    if clock is None:
        # a stop before its start is remembered, a cancel leaves a tombstone; the rest means nothing
        if op is ClockOp.STOP:
            placeholder = not_started(case_id, kind, at=at, reason=command.reason)
            return Transition(clock=placeholder, applied=True, note="stop remembered until the clock starts")
        if op is ClockOp.CANCEL:
            tombstone = cancelled_before_start(case_id, kind, at=at, reason=command.reason)
            return Transition(clock=tombstone, applied=True, note="cancelled before it started")
        return None
    if op is ClockOp.STOP:
        return stop_clock(clock, at=at, reason=command.reason, calendars=calendars, now=now)
    if op is ClockOp.CONTINUE:
        if clock.stop_reason != "resolved":
            return Transition.ignored(clock, "not stopped by the resolution")  # e.g. a workaround that held
        return continue_clock(clock, at=at, reason=command.reason, calendars=calendars, now=now)
    if op is ClockOp.END:
        return end_clock(clock, at=at, reason=command.reason, calendars=calendars, now=now)
    if op is ClockOp.CANCEL:
        return cancel_clock(clock, at=at, reason=command.reason, calendars=calendars, now=now)
    if kind is ClockKind.VENDOR_RESPONSE and op in (ClockOp.PAUSE, ClockOp.RESUME):
        return None  # the vendor's promise is a moment on the wall clock: our customer's silence does not move it
    if op is ClockOp.PAUSE:
        return pause_clock(clock, at=at, reason=command.reason or "waiting_for_customer", calendars=calendars, now=now)
    if op is ClockOp.RESUME:
        return resume_clock(clock, at=at, calendars=calendars, now=now)
    if op is ClockOp.CHANGE_PRIORITY:
        assert command.priority is not None
        priority = terms.priority(policy, command.priority)
        # an arrival-dependent target is judged by when the case (this cycle) arrived, not by the change
        target = terms.target(policy, kind, _arriving(policy.target_for(priority, kind), clock.started_at, calendars))
        if kind is ClockKind.VENDOR_RESPONSE and clock.target is not None:
            target = clock.target  # the vendor was engaged under these terms: our priority does not change them
        return change_priority(
            clock,
            at=at,
            priority=priority,
            policy=policy.name,
            target=target,
            calendars=calendars,
            now=now,
        )
    raise AssertionError(f"unhandled clock operation {op}")


def apply_commands(
    clocks: Mapping[ClockKind, SlaClock],
    commands: Iterable[ClockCommand],
    *,
    case_id: str,
    policy: Policy,
    calendars: Calendars,
    now: datetime,
    terms: CustomerTerms = NO_TERMS,
) -> CaseClocksOutcome:
    """Apply commands in order to a case's clocks; `now` is the processing time (stamps firings); `terms`
    what the customer stated (used where the policy honours it)."""
    current = dict(clocks)
    applied: list[Applied] = []
    for command in commands:
        if command.kind is not None:
            kinds = [command.kind]
        elif command.op is ClockOp.CANCEL:
            kinds = list(ClockKind)  # missing clocks get a tombstone so a late start stays cancelled
        else:
            kinds = [k for k in ClockKind if k in current]
        for kind in kinds:
            transition = _apply_one(
                current.get(kind),
                kind,
                command,
                case_id=case_id,
                policy=policy,
                calendars=calendars,
                now=now,
                case_priority=command.priority or _case_priority(current),
                terms=terms,
            )
            if transition is None:
                continue
            current[kind] = transition.clock
            applied.append(Applied(kind, command, transition))
    return CaseClocksOutcome(clocks=current, applied=tuple(applied))
