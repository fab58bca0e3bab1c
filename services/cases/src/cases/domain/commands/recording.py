"""What is written onto a case without moving it: activities, notes, corrections, other services' facts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from aftercare_platform.errors import InvalidArgument, NotFound, PermissionDenied

from cases.domain import decisions
from cases.domain.activities import Activity, ActivityKind, apply_activity, check_activity_applies
from cases.domain.actors import Actor, Role
from cases.domain.case import Case
from cases.domain.commands._base import advance, begin
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action
from cases.domain.text import LONG_TEXT_MAX, require_aware, required_text
from cases.domain.timeline import TimelineEntry
from cases.domain.visibility import entry_visible_to, require_visible
from cases.domain.vocabulary import Visibility


def record_activity(case: Case, actor: Actor, at: datetime, *, activity: Activity) -> Decision:
    """A call, visit, remote session, RMA step, diagnosis report or loaner movement.
    A diagnosis report also emits `diagnosis_reported` (it stops the diagnosis clock)."""
    status = begin(case, actor, at, Action.RECORD_ACTIVITY)
    done = activity.validated()
    check_activity_applies(case, done)
    changed = apply_activity(advance(case, at, status), done, at)
    payload: dict[str, Any] = {
        "activity": {**done.as_payload(), "visibility": done.visibility.value},
        "internal": not _public(done),
    }
    events = [decisions.event("activity_recorded", changed, actor, at, customer_visible=_public(done), **payload)]
    if done.kind is ActivityKind.DIAGNOSIS_REPORT:
        first = case.diagnosed_at is None
        events.append(
            decisions.event(
                "diagnosis_reported", changed, actor, at, customer_visible=_public(done), first_report=first, **payload
            )
        )
    return Decision(
        case=changed,
        events=tuple(events),
        entries=(decisions.entry("activity_recorded", actor, at, done.visibility, activity=payload["activity"]),),
    )


def add_note(
    case: Case, actor: Actor, at: datetime, *, text: str, visibility: Visibility = Visibility.PUBLIC
) -> Decision:
    """Anyone who sees the case may note on it; an internal note is staff-only, and its event
    is flagged internal and carries no text (consumers read it through GetTimeline as staff)."""
    status = begin(case, actor, at, Action.ADD_NOTE)
    if visibility is Visibility.INTERNAL and not actor.is_staff:
        raise PermissionDenied(f"a {actor.role.value} writes public notes only")
    body = required_text("text", text, LONG_TEXT_MAX)
    changed = advance(case, at, status)
    public = visibility is Visibility.PUBLIC
    event = decisions.event(
        "note_added",
        changed,
        actor,
        at,
        customer_visible=public,
        visibility=visibility.value,
        internal=not public,
        text=body if public else None,
    )
    return Decision(
        case=changed,
        events=(event,),
        entries=(decisions.entry("note_added", actor, at, visibility, text=body),),
    )


def correct_entry(case: Case, actor: Actor, at: datetime, *, original: TimelineEntry, text: str) -> Decision:
    """A correction is a new entry referring to the old one, with the old one's visibility.
    Its author corrects an entry, or a supervisor or admin."""
    status = begin(case, actor, at, Action.CORRECT_ENTRY)
    if original.case_id != case.id or not entry_visible_to(actor, original):
        raise NotFound(f"case {case.number} has no timeline entry {original.position}", position=original.position)
    if original.actor.get("subject_id") != actor.subject and actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("only the entry's author, a supervisor or an admin corrects it")
    body = required_text("text", text, LONG_TEXT_MAX)
    changed = advance(case, at, status)
    public = original.visibility is Visibility.PUBLIC
    event = decisions.event(
        "entry_corrected",
        changed,
        actor,
        at,
        customer_visible=public,
        corrects_position=original.position,
        visibility=original.visibility.value,
        internal=not public,
        text=body if public else None,
    )
    return Decision(
        case=changed,
        events=(event,),
        entries=(
            decisions.entry(
                "correction", actor, at, original.visibility, corrects_position=original.position, text=body
            ),
        ),
    )


_BREACH_FLAG = {"sla.breached": True, "sla.breach_withdrawn": False}
_FACT_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


def record_fact(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    kind: str,
    payload: Mapping[str, Any],
    visibility: Visibility = Visibility.INTERNAL,
) -> Decision:
    """Another service's fact on the timeline (`sla.warning`, `sla.breached`, `visit.checked_in`,
    `survey.completed`, ...). It is already an event of its own: nothing is published again."""
    require_aware("at", at)
    require_visible(case, actor)
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise PermissionDenied("only an Aftercare service records another service's facts")
    if not _FACT_KIND.match(kind or ""):
        raise InvalidArgument.for_field("kind", f"{kind!r} is not a namespaced fact like sla.breached")
    changed = advance(case, at, case.status)
    if kind in _BREACH_FLAG:  # the supervisor lists breached cases
        changed = replace(changed, flags=replace(changed.flags, sla_breached=_BREACH_FLAG[kind]))
    entry = decisions.entry(kind, actor, at, visibility, **dict(payload))
    return Decision(case=changed, events=(), entries=(entry,))


def _public(activity: Activity) -> bool:
    return activity.visibility is Visibility.PUBLIC
