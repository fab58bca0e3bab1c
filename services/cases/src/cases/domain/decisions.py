"""What a command decides: the new case, the events to publish, the timeline entries to append.

Event payloads carry a snapshot of the case (ids, region, company, contract,
priority, category, kind, assignee, tier, status, time, actor) so consumers do
not call back; verb-specific fields sit next to it. Keys are the proto field
names of `aftercare.cases.v1` event messages; enum values are the domain's
(`in_progress`, `P1`), mapped mechanically at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cases.domain.actors import Actor
from cases.domain.case import Case
from cases.domain.timeline import EntryDraft, canonical_time
from cases.domain.vocabulary import Visibility

if TYPE_CHECKING:
    from cases.domain.commands.opening import NewCase

EVENT_TYPE_PREFIX = "aftercare.case."


@dataclass(frozen=True)
class DomainEvent:
    name: str  # the verb: "created", "assigned", ...
    payload: Mapping[str, Any]
    # False for events a customer must never receive (internal notes)
    customer_visible: bool = True

    @property
    def type(self) -> str:
        """The CloudEvents type, e.g. `aftercare.case.created.v1`."""
        return f"{EVENT_TYPE_PREFIX}{self.name}.v1"

    @property
    def subject(self) -> str:
        return str(self.payload["case_id"])

    def routing_key(self) -> str:
        """`case.<verb>.<region>`: a region's workers bind to their region only."""
        return f"case.{self.name}.{self.payload['region']}"


@dataclass(frozen=True)
class Decision:
    case: Case
    events: tuple[DomainEvent, ...] = ()
    entries: tuple[EntryDraft, ...] = ()
    # a case to open after this one (a customer came back after the reopen window), linked to it
    follow_up: NewCase | None = None

    def then(self, later: Decision) -> Decision:
        """This decision followed by `later`, taken on this one's case: one save, every event and entry."""
        return Decision(
            case=later.case,
            events=self.events + later.events,
            entries=self.entries + later.entries,
            follow_up=later.follow_up or self.follow_up,
        )

    def event(self, name: str) -> DomainEvent:
        """The event named `name` (for tests and handlers); KeyError when there is none."""
        for e in self.events:
            if e.name == name:
                return e
        raise KeyError(name)


def snapshot(case: Case, actor: Actor, at: datetime) -> dict[str, Any]:
    """The fields every case event carries."""
    return {
        "case_id": case.id,
        "case_number": case.number,
        "region": case.region,
        "company_id": case.company_id,
        "contract_id": case.contract_id,
        "priority": case.priority.value,
        "category": case.category.value,
        "kind": case.kind.value,
        "assignee_id": case.assignee,
        "tier": case.tier.value,
        "rma": case.rma,
        "status": case.status.value,
        "occurred_at": canonical_time(at),
        "actor": actor.ref(),
    }


def event(
    name: str, case: Case, actor: Actor, at: datetime, /, customer_visible: bool = True, **details: Any
) -> DomainEvent:
    return DomainEvent(name, {**snapshot(case, actor, at), **details}, customer_visible)


def entry(
    kind: str,
    actor: Actor,
    at: datetime,
    /,
    visibility: Visibility = Visibility.PUBLIC,
    corrects_position: int | None = None,
    **payload: Any,
) -> EntryDraft:
    return EntryDraft(
        at=at,
        actor=actor.ref(),
        kind=kind,
        visibility=visibility,
        payload={k: v for k, v in payload.items() if v is not None},
        corrects_position=corrects_position,
    )
