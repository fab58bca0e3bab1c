"""Who may see a case and which of its timeline entries.

A customer sees its own company's cases; a partner the companies and regions of
its key, and the cases it reported (even while their company is unknown); staff see
every case. External actors (customers, partners) see public
entries only. A case an actor may not see does not exist for it: the answer is
CaseNotFound, worded exactly as for a number that was never issued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from aftercare_platform.errors import NotFound

from cases.domain.actors import Actor, Role
from cases.domain.case import Case
from cases.domain.decisions import DomainEvent
from cases.domain.timeline import TimelineEntry
from cases.domain.vocabulary import Visibility


class CaseNotFound(NotFound):
    code = "case-not-found"

    def __init__(self, reference: str):
        super().__init__(f"case {reference} not found", case=reference)


def visible_to(case: Case, actor: Actor) -> bool:
    reported = actor.role is Role.PARTNER and case.reported_by is not None and case.reported_by == actor.subject
    return (reported or actor.reaches_company(case.company_id)) and actor.reaches_region(case.region)


def require_visible(case: Case, actor: Actor, reference: str | None = None) -> None:
    """CaseNotFound (naming `reference`, the caller's own words, else the number) when `actor` may not see it."""
    if not visible_to(case, actor):
        raise CaseNotFound(reference or case.number)


def sees_internal(actor: Actor) -> bool:
    return actor.is_staff


def entry_visible_to(actor: Actor, entry: TimelineEntry) -> bool:
    return entry.visibility is Visibility.PUBLIC or sees_internal(actor)


def timeline_for(actor: Actor, entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """The entries `actor` may read, in order; internal ones are dropped for customers and partners."""
    return [e for e in entries if entry_visible_to(actor, e)]


def event_for_customers(event: DomainEvent) -> bool:
    """Whether an event may reach a customer (notify, customer-facing webhooks)."""
    return event.customer_visible


def customer_sequence(public: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The public entries numbered 1, 2, 3 … for a customer or partner, so no gap hints at an internal
    entry: a correction names the corrected entry by that numbering, and the link to an earlier hash
    (which may be an internal entry's) is left out. Staff verify the chain (VerifyTimeline)."""
    numbering = {entry.position: index for index, entry in enumerate(public, start=1)}
    return [
        replace(
            entry,
            position=numbering[entry.position],
            corrects_position=numbering.get(entry.corrects_position) if entry.corrects_position else None,
            previous_hash="",
        )
        for entry in public
    ]
