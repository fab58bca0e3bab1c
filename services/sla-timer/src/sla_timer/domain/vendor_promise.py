"""The original vendor's underpinning contract (issue 12): the vendor-response clock runs to the answer the
vendor itself promised when it was engaged (`aftercare.vendor.engaged.v1` `promised_time`).

Decided: the promise is a moment on the wall clock (dispatch computes it as engagement + promised response,
plain elapsed time, and marks a later answer `late` the same way), so the clock counts plain elapsed time on a
continuous calendar: weekends, holidays and our customer's silence do not move the vendor's deadline. The
policy's own VENDOR_RESPONSE row is only the fallback for an engagement that carries no promise."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sla_timer.domain.clock_timeline import Calendars
from sla_timer.domain.policy import ClockTarget, Policy, WarningRule
from sla_timer.domain.vocabulary import ActionKind, ClockKind, Priority

# the calendar the shipped defaults count plain elapsed time on (preferred among continuous calendars)
ELAPSED_CALENDAR = "24x7"


def elapsed_calendar(calendars: Calendars) -> str | None:
    """The name of a calendar whose business time is elapsed time, or None when the set has none."""
    if ELAPSED_CALENDAR in calendars and calendars[ELAPSED_CALENDAR].is_continuous:
        return ELAPSED_CALENDAR
    return next((name for name, cal in sorted(calendars.items()) if cal.is_continuous), None)


def _warnings(policy: Policy, priority: Priority, promise: timedelta) -> tuple[WarningRule, ...]:
    """The policy's warnings for the vendor clock, else its first-response fractions (the vendor's first
    answer is a first response); only notifications carry over, an `after` warning only inside the promise."""
    own = policy.target_for(priority, ClockKind.VENDOR_RESPONSE)
    source = own or policy.target_for(priority, ClockKind.FIRST_RESPONSE)
    if source is None:
        return ()
    kept = []
    for rule in source.warnings:
        if own is None and rule.percent is None:
            continue  # another clock's fixed offsets mean nothing for this promise
        if rule.after is not None and rule.after >= promise:
            continue
        actions = tuple(a for a in rule.actions if a.kind is ActionKind.NOTIFY)
        kept.append(replace(rule, actions=actions))
    return tuple(kept)


def promised_target(
    policy: Policy, priority: Priority, *, engaged_at: datetime, promised_by: datetime, calendars: Calendars
) -> ClockTarget | None:
    """The target of a vendor-response clock engaged at `engaged_at` whose vendor promised to answer by
    `promised_by`: deadline exactly `promised_by`. None when no continuous calendar exists or the promise is
    not after the engagement (the policy's row then applies)."""
    calendar = elapsed_calendar(calendars)
    promise = promised_by - engaged_at
    if calendar is None or promise <= timedelta(0):
        return None
    own = policy.target_for(priority, ClockKind.VENDOR_RESPONSE)
    return ClockTarget(
        target=promise,
        calendar=calendar,
        warnings=_warnings(policy, priority, promise),
        breach_actions=own.breach_actions if own is not None else (),
    )
