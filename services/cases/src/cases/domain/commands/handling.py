"""Steering a case while it is worked: priority, escalation, waiting for the customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from cases.domain import decisions
from cases.domain.actors import Actor, Role
from cases.domain.case import Case
from cases.domain.commands._base import advance, begin, reason_optional, reason_required
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action
from cases.domain.permissions import require_assignee
from cases.domain.vocabulary import Priority, Tier, Visibility


def change_priority(case: Case, actor: Actor, at: datetime, *, priority: Priority, reason: str) -> Decision:
    """Any open status; a reason is required; the SLA clocks are recomputed from the event."""
    status = begin(case, actor, at, Action.CHANGE_PRIORITY)
    why = reason_required(reason)
    if priority is case.priority:
        raise FailedPrecondition(f"the case is already {priority.value}")
    changed = advance(case, at, status, priority=priority)
    return priority_changed(case, changed, actor, at, why)


def priority_changed(before: Case, after: Case, actor: Actor, at: datetime, reason: str, **more: object) -> Decision:
    details: dict[str, Any] = {"previous_priority": before.priority.value, "reason": reason, **more}
    return Decision(
        case=after,
        events=(decisions.event("priority_changed", after, actor, at, **details),),
        entries=(decisions.entry("priority_changed", actor, at, priority=after.priority.value, **details),),
    )


def escalate(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    reason: str,
    to_tier: Tier | None = None,
    to_rma: bool = False,
) -> Decision:
    """Up a tier (default: the next one; desk → engineer → expert panel → original vendor),
    or down the RMA path (`to_rma`), which leaves the tier as it is. The original vendor
    needs an expert's confirmation recorded first (confirm_vendor_escalation)."""
    status = begin(case, actor, at, Action.ESCALATE)
    require_assignee_if_working(case, actor)
    why = reason_required(reason)
    if to_rma:
        if to_tier is not None:
            raise InvalidArgument.for_field("to_tier", "escalate either up a tier or to RMA, not both")
        if case.rma:
            raise FailedPrecondition("the case is already on the RMA path")
        changed = advance(case, at, status, rma=True)
    else:
        target = to_tier or case.tier.next()
        if target is None:
            raise FailedPrecondition("the case is already with the original vendor, the last tier")
        if target.rank <= case.tier.rank:
            raise InvalidArgument.for_field(
                "to_tier", f"must be above the current tier {case.tier.value}, got {target.value}"
            )
        if target is Tier.ORIGINAL_VENDOR and case.vendor_escalation_confirmed_by is None:
            raise FailedPrecondition(
                "going to the original vendor needs an expert's confirmation first (confirm vendor escalation)"
            )
        changed = advance(case, at, status, tier=target)
    details: dict[str, Any] = {
        "from_tier": case.tier.value,
        "to_tier": changed.tier.value,
        "to_rma": to_rma,
        "reason": why,
    }
    return Decision(
        case=changed,
        events=(decisions.event("escalated", changed, actor, at, **details),),
        entries=(decisions.entry("escalated", actor, at, **details),),
    )


def confirm_vendor_escalation(case: Case, actor: Actor, at: datetime, *, reason: str) -> Decision:
    """An expert records that the original vendor is needed; only then may the case escalate there."""
    status = begin(case, actor, at, Action.CONFIRM_VENDOR_ESCALATION)
    why = reason_required(reason)
    if case.tier is not Tier.EXPERT_PANEL:
        raise FailedPrecondition(
            f"an expert confirms a vendor escalation for a case at the expert panel; it is at {case.tier.value}"
        )
    if case.vendor_escalation_confirmed_by is not None:
        raise FailedPrecondition(f"{case.vendor_escalation_confirmed_by} already confirmed the vendor escalation")
    changed = advance(case, at, status, vendor_escalation_confirmed_by=actor.subject)
    return Decision(
        case=changed,
        events=(decisions.event("vendor_escalation_confirmed", changed, actor, at, reason=why),),
        entries=(decisions.entry("vendor_escalation_confirmed", actor, at, Visibility.INTERNAL, reason=why),),
    )


def set_waiting_for_customer(case: Case, actor: Actor, at: datetime, *, reason: str | None = None) -> Decision:
    """in_progress → waiting_customer: the SLA clocks pause until resume."""
    status = begin(case, actor, at, Action.SET_WAITING)
    why = reason_optional(reason)
    changed = advance(case, at, status)
    return Decision(
        case=changed,
        events=(decisions.event("waiting_for_customer", changed, actor, at, reason=why),),
        entries=(decisions.entry("waiting_for_customer", actor, at, reason=why),),
    )


def resume(case: Case, actor: Actor, at: datetime, *, reason: str | None = None) -> Decision:
    """waiting_customer → in_progress: the SLA clocks run again."""
    status = begin(case, actor, at, Action.RESUME)
    why = reason_optional(reason)
    changed = advance(case, at, status)
    return Decision(
        case=changed,
        events=(decisions.event("resumed", changed, actor, at, reason=why),),
        entries=(decisions.entry("resumed", actor, at, reason=why),),
    )


def require_assignee_if_working(case: Case, actor: Actor) -> None:
    """An engineer escalates the cases they hold (any once nobody holds it); experts any case."""
    if actor.role is Role.ENGINEER and case.assignee is not None:
        require_assignee(actor, case.assignee, Action.ESCALATE)
