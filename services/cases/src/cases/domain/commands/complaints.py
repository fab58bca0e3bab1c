"""Complaints by case number: about the fix (priority one step up) or about the engineer (to the supervisor)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cases.domain import decisions
from cases.domain.actors import Actor
from cases.domain.case import Case, Complaint
from cases.domain.commands._base import advance, begin
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action
from cases.domain.text import LONG_TEXT_MAX, required_text
from cases.domain.vocabulary import ComplaintAbout


def file_complaint(case: Case, actor: Actor, at: datetime, *, about: ComplaintAbout, text: str) -> Decision:
    """Recorded on the timeline in every status but cancelled.

    About the fix: the priority rises one step (P4 → P3 → P2 → P1; P1 stays P1) and a
    `priority_changed` event follows, so the SLA clocks tighten. About the engineer: the
    case is flagged for the supervisor, who may replace the engineer (reassign with the
    complaint's sequence)."""
    status = begin(case, actor, at, Action.FILE_COMPLAINT)
    body = required_text("text", text, LONG_TEXT_MAX)
    complaint = Complaint(
        sequence=len(case.complaints) + 1,
        about=about,
        text=body,
        filed_by=actor.subject,
        filed_at=at,
        engineer=case.assignee,
    )
    raised = case.priority.raised() if about is ComplaintAbout.FIX else case.priority
    flags = replace(case.flags, supervisor_review=True) if about is ComplaintAbout.ENGINEER else case.flags
    changed = advance(case, at, status, complaints=(*case.complaints, complaint), priority=raised, flags=flags)
    details: dict[str, Any] = {
        "complaint_sequence": complaint.sequence,
        "about": about.value,
        "text": body,
        "engineer_id": complaint.engineer,
        "previous_priority": case.priority.value,
        "needs_supervisor": about is ComplaintAbout.ENGINEER,
    }
    events = [decisions.event("complaint_filed", changed, actor, at, **details)]
    entries = [decisions.entry("complaint_filed", actor, at, **details)]
    if raised is not case.priority:
        reason = f"complaint {complaint.sequence} about the fix"
        extra: dict[str, Any] = {
            "previous_priority": case.priority.value,
            "reason": reason,
            "complaint_sequence": complaint.sequence,
        }
        events.append(decisions.event("priority_changed", changed, actor, at, **extra))
        entries.append(decisions.entry("priority_changed", actor, at, priority=raised.value, **extra))
    return Decision(case=changed, events=tuple(events), entries=tuple(entries))
