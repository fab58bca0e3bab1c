"""Ending a case and bringing it back: resolve, confirm, reject, close, reopen, cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from aftercare_platform.errors import InvalidArgument

from cases.domain import decisions
from cases.domain.actors import Actor, Role
from cases.domain.case import Cancellation, Case, FaultReport
from cases.domain.case_numbers import parse_case_number
from cases.domain.commands._base import advance, begin, reason_optional, reason_required
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action
from cases.domain.permissions import require_assignee
from cases.domain.vocabulary import CancelReason


def resolve(case: Case, actor: Actor, at: datetime, *, fault_report: FaultReport) -> Decision:
    """in_progress → resolved, with a fault report (cause, method, result, prevention all
    required); the remote sessions' command log is attached to it."""
    status = begin(case, actor, at, Action.RESOLVE)
    require_assignee(actor, case.assignee, Action.RESOLVE)
    report = replace(fault_report.validated(now=at), command_log=case.remote_command_log)
    changed = advance(case, at, status, fault_report=report, resolved_at=at)
    details: dict[str, Any] = {"fault_report": report.as_payload()}
    return Decision(
        case=changed,
        events=(decisions.event("resolved", changed, actor, at, **details),),
        entries=(decisions.entry("resolved", actor, at, **details),),
    )


def _closed(case: Case, actor: Actor, at: datetime, **details: Any) -> decisions.DomainEvent:
    """`closed`, with the channel the case came in through (stored on the case since it was opened):
    a desk counts the cases it closed by the channel they arrived on, as it counts those opened."""
    return decisions.event("closed", case, actor, at, channel=case.channel.value, **details)


def confirm(case: Case, actor: Actor, at: datetime, *, comment: str | None = None) -> Decision:
    """resolved → closed: the customer (or the agent on its behalf) confirms the fix.
    Emits `confirmed` and `closed` (the survey listens to `closed`)."""
    status = begin(case, actor, at, Action.CONFIRM)
    said = reason_optional(comment, "comment")
    changed = advance(case, at, status, closed_at=at)
    on_behalf = actor.role is Role.AGENT
    return Decision(
        case=changed,
        events=(
            decisions.event("confirmed", changed, actor, at, comment=said, on_behalf_of_customer=on_behalf),
            _closed(changed, actor, at, confirmed_by_customer=True, reason=said),
        ),
        entries=(decisions.entry("confirmed", actor, at, comment=said, on_behalf_of_customer=on_behalf),),
    )


def reject(case: Case, actor: Actor, at: datetime, *, reason: str) -> Decision:
    """resolved → in_progress: the fix did not work (reason required)."""
    status = begin(case, actor, at, Action.REJECT)
    why = reason_required(reason)
    changed = advance(case, at, status, resolved_at=None)
    on_behalf = actor.role is Role.AGENT
    return Decision(
        case=changed,
        events=(decisions.event("rejected", changed, actor, at, reason=why, on_behalf_of_customer=on_behalf),),
        entries=(decisions.entry("rejected", actor, at, reason=why, on_behalf_of_customer=on_behalf),),
    )


def close(case: Case, actor: Actor, at: datetime, *, reason: str | None = None) -> Decision:
    """resolved → closed by the desk (the customer was asked and did not answer, or answered by phone)."""
    status = begin(case, actor, at, Action.CLOSE)
    why = reason_optional(reason)
    changed = advance(case, at, status, closed_at=at)
    return Decision(
        case=changed,
        events=(_closed(changed, actor, at, confirmed_by_customer=False, reason=why),),
        entries=(decisions.entry("closed", actor, at, reason=why),),
    )


def reopen(case: Case, actor: Actor, at: datetime, *, reason: str) -> Decision:
    """closed → reopened (reason required), e.g. by the survey when the customer is unsatisfied.
    The case rests in `reopened` with its assignee until the engineer acknowledges again."""
    status = begin(case, actor, at, Action.REOPEN)
    why = reason_required(reason)
    changed = advance(case, at, status, closed_at=None, resolved_at=None, reopen_count=case.reopen_count + 1)
    details: dict[str, Any] = {"reason": why, "reopen_count": changed.reopen_count}
    return Decision(
        case=changed,
        events=(decisions.event("reopened", changed, actor, at, **details),),
        entries=(decisions.entry("reopened", actor, at, **details),),
    )


def cancel(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    reason: CancelReason,
    text: str,
    duplicate_of: str | None = None,
) -> Decision:
    """Before resolution → cancelled: a duplicate (of another case number), not ours, or withdrawn."""
    status = begin(case, actor, at, Action.CANCEL)
    why = reason_required(text, "text")
    original: str | None = None
    if reason is CancelReason.DUPLICATE:
        if not duplicate_of:
            raise InvalidArgument.for_field("duplicate_of", "a duplicate names the case it duplicates")
        original = str(parse_case_number(duplicate_of, "duplicate_of"))
        if original == case.number:
            raise InvalidArgument.for_field("duplicate_of", "a case does not duplicate itself")
    elif duplicate_of:
        raise InvalidArgument.for_field("duplicate_of", "only a duplicate names another case")
    cancellation = Cancellation(reason=reason, text=why, duplicate_of=original)
    changed = advance(case, at, status, cancellation=cancellation, cancelled_at=at)
    details: dict[str, Any] = {"reason": reason.value, "text": why, "duplicate_of": original}
    return Decision(
        case=changed,
        events=(decisions.event("cancelled", changed, actor, at, **details),),
        entries=(decisions.entry("cancelled", actor, at, **details),),
    )
