"""Who holds the case: assign, reassign (replaces the assignee), take over, and the first answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from aftercare_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

from cases.domain import decisions
from cases.domain.actors import Actor, Role
from cases.domain.case import Case
from cases.domain.commands._base import advance, begin, reason_optional, reason_required
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action
from cases.domain.permissions import require_assignee
from cases.domain.text import LONG_TEXT_MAX, optional_text, required_text
from cases.domain.vocabulary import ComplaintAbout, Tier, Visibility

# assignment may place a case on the front line; higher tiers are reached by escalation only
FRONT_LINE = (Tier.DESK, Tier.ENGINEER)


def assign(
    case: Case, actor: Actor, at: datetime, *, assignee: str, tier: Tier | None = None, reason: str | None = None
) -> Decision:
    """new → assigned. `tier` (desk or engineer) says which front-line queue the assignee comes from."""
    status = begin(case, actor, at, Action.ASSIGN)
    who = required_text("assignee_id", assignee)
    why = reason_optional(reason)
    if tier is not None and tier not in FRONT_LINE:
        raise InvalidArgument.for_field(
            "tier", "assignment places a case at the desk or with an engineer; escalate for more"
        )
    new_tier = tier or case.tier
    changed = advance(case, at, status, assignee=who, tier=new_tier)
    return _assigned(changed, actor, at, method="assign", previous=None, reason=why)


def reassign(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    assignee: str,
    reason: str | None = None,
    complaint_sequence: int | None = None,
) -> Decision:
    """The assignee is replaced (status unchanged). With `complaint_sequence` it is the supervisor
    replacing the engineer on a complaint: supervisors only, a reason required, the complaint handled."""
    status = begin(case, actor, at, Action.REASSIGN)
    who = required_text("assignee_id", assignee)
    if complaint_sequence is None:
        why = reason_optional(reason)
    else:
        if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("only a supervisor replaces the engineer on a complaint")
        why = reason_required(reason)
    if who == case.assignee:
        raise FailedPrecondition(f"the case is already assigned to {who}")
    changes: dict[str, object] = {"assignee": who}
    if complaint_sequence is not None:
        complaint = case.complaint(complaint_sequence)
        if complaint is None:
            raise NotFound(f"complaint {complaint_sequence} not found on case {case.number}")
        if complaint.about is not ComplaintAbout.ENGINEER or not complaint.is_open:
            raise FailedPrecondition(f"complaint {complaint_sequence} is not an open complaint about the engineer")
        complaints = tuple(
            replace(c, handled_by=actor.subject, handled_at=at) if c.sequence == complaint_sequence else c
            for c in case.complaints
        )
        still_open = any(c.is_open and c.about is ComplaintAbout.ENGINEER for c in complaints)
        changes["complaints"] = complaints
        changes["flags"] = replace(case.flags, supervisor_review=still_open)
    changed = advance(case, at, status, **changes)
    method = "replace_on_complaint" if complaint_sequence is not None else "reassign"
    return _assigned(
        changed, actor, at, method=method, previous=case.assignee, reason=why, complaint=complaint_sequence
    )


def take_over(case: Case, actor: Actor, at: datetime, *, reason: str | None = None) -> Decision:
    """Any engineer takes the case for themself (new → assigned; otherwise the status stays)."""
    status = begin(case, actor, at, Action.TAKE_OVER)
    why = reason_optional(reason)
    if case.assignee == actor.subject:
        raise FailedPrecondition(f"the case is already assigned to {actor.subject}")
    changed = advance(case, at, status, assignee=actor.subject)
    return _assigned(changed, actor, at, method="take_over", previous=case.assignee, reason=why)


def acknowledge(case: Case, actor: Actor, at: datetime, *, message: str | None = None) -> Decision:
    """The engineer's answer to the customer: assigned/reopened → in_progress; stops the response clock."""
    status = begin(case, actor, at, Action.ACKNOWLEDGE)
    require_assignee(actor, case.assignee, Action.ACKNOWLEDGE)
    text = optional_text("message", message, LONG_TEXT_MAX)
    first = case.acknowledged_at is None
    changed = advance(case, at, status, acknowledged_at=case.acknowledged_at or at)
    return Decision(
        case=changed,
        events=(decisions.event("acknowledged", changed, actor, at, first_response=first, message=text),),
        entries=(decisions.entry("acknowledged", actor, at, first_response=first, message=text),),
    )


def _assigned(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    method: str,
    previous: str | None,
    reason: str | None,
    complaint: int | None = None,
) -> Decision:
    details: dict[str, Any] = {
        "method": method,
        "previous_assignee_id": previous,
        "reason": reason,
        "complaint_sequence": complaint,
    }
    return Decision(
        case=case,
        events=(decisions.event("assigned", case, actor, at, **details),),
        entries=(
            decisions.entry(
                "assigned", actor, at, Visibility.PUBLIC, assignee_id=case.assignee, tier=case.tier.value, **details
            ),
        ),
    )
