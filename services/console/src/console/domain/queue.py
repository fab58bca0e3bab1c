"""The agent's queue: every open case ordered by SLA urgency. Pure: the projection's rules.

A row is built from two streams that are not ordered with each other (cases and sla-timer publish
apart): case events carry the case's head, clock events the warnings and breaches. Each applies to
its own part of the row; the urgency is derived from both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

# statuses that leave the queue (a done case is not work)
DONE_STATUSES = frozenset({"resolved", "closed", "cancelled"})
WAITING_STATUSES = frozenset({"waiting_customer"})
PRIORITY_ORDER = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


class Urgency:
    """The rank the queue sorts by first: lower is more urgent."""

    BREACHED = 0
    WARNED = 1
    RUNNING = 2
    WAITING = 3
    DONE = 9


@dataclass(frozen=True)
class Clock:
    # "warned" or "breached"; a met clock is dropped
    state: str
    deadline: datetime | None


@dataclass(frozen=True)
class QueueRow:
    case_id: str
    case_number: str = ""
    region: str = ""
    company_id: str = ""
    priority: str = ""
    status: str = "new"
    assignee_id: str = ""
    tier: str = ""
    description: str = ""
    supervisor_review: bool = False
    created_at: datetime | None = None
    # the newest case event applied (an older one arriving late changes nothing)
    case_seen_at: datetime | None = None
    clocks: dict[str, Clock] = field(default_factory=dict)

    @property
    def urgency(self) -> int:
        if self.status in DONE_STATUSES:
            return Urgency.DONE
        states = {clock.state for clock in self.clocks.values()}
        if "breached" in states:
            return Urgency.BREACHED
        if "warned" in states:
            return Urgency.WARNED
        return Urgency.WAITING if self.status in WAITING_STATUSES else Urgency.RUNNING

    @property
    def next_deadline(self) -> datetime | None:
        deadlines = [clock.deadline for clock in self.clocks.values() if clock.deadline is not None]
        return min(deadlines) if deadlines else None

    @property
    def priority_rank(self) -> int:
        return PRIORITY_ORDER.get(self.priority, 5)


@dataclass(frozen=True)
class CaseFact:
    """What a case event says about the case (its snapshot head, plus the verb's own facts)."""

    case_id: str
    verb: str
    occurred_at: datetime
    case_number: str = ""
    region: str = ""
    company_id: str = ""
    priority: str | None = None
    status: str | None = None
    assignee_id: str = ""
    tier: str | None = None
    description: str = ""
    # complaint_filed about the engineer: the supervisor must look
    review_requested: bool = False


@dataclass(frozen=True)
class ClockFact:
    case_id: str
    # warning, breached, met, breach_withdrawn
    verb: str
    clock: str
    cycle: int
    deadline: datetime | None
    case_number: str = ""
    region: str = ""
    company_id: str = ""
    priority: str | None = None


def apply_case(row: QueueRow | None, fact: CaseFact) -> QueueRow:
    row = row or QueueRow(case_id=fact.case_id)
    heads = replace(row, case_number=fact.case_number or row.case_number, region=fact.region or row.region,
                    company_id=fact.company_id or row.company_id)
    if fact.verb == "created":
        heads = replace(heads, description=fact.description[:200], created_at=fact.occurred_at)
    if row.case_seen_at is not None and fact.occurred_at < row.case_seen_at:
        return heads  # a late event: its head fields only fill gaps
    review = row.supervisor_review
    if fact.review_requested:
        review = True
    elif fact.verb == "assigned" or fact.status in DONE_STATUSES:
        review = False
    return replace(heads, priority=fact.priority or row.priority, status=fact.status or row.status,
                   assignee_id=fact.assignee_id if fact.status else row.assignee_id,
                   tier=fact.tier or row.tier, supervisor_review=review, case_seen_at=fact.occurred_at,
                   created_at=heads.created_at or fact.occurred_at)


def apply_clock(row: QueueRow | None, fact: ClockFact) -> QueueRow:
    row = row or QueueRow(case_id=fact.case_id, case_number=fact.case_number, region=fact.region,
                          company_id=fact.company_id, priority=fact.priority or "")
    key = f"{fact.clock}:{fact.cycle}"
    clocks = dict(row.clocks)
    current = clocks.get(key)
    if fact.verb == "met":
        clocks.pop(key, None)
    elif fact.verb == "breached":
        clocks[key] = Clock("breached", fact.deadline)
    elif fact.verb == "warning" and (current is None or current.state != "breached"):
        clocks[key] = Clock("warned", fact.deadline)
    elif fact.verb == "breach_withdrawn" and current is not None:
        clocks[key] = Clock("warned", current.deadline)
    return replace(row, clocks=clocks)


QueueFact = CaseFact | ClockFact


def apply_facts(rows: Mapping[str, QueueRow], facts: Sequence[QueueFact]) -> dict[str, QueueRow]:
    """The rows `facts` change, by case: each fact applied, in order, to what the earlier facts made of its case's
    row (`rows`: the rows as stored, a case without one starting empty)."""
    changed: dict[str, QueueRow] = {}
    for fact in facts:
        row = changed.get(fact.case_id) or rows.get(fact.case_id)
        changed[fact.case_id] = apply_case(row, fact) if isinstance(fact, CaseFact) else apply_clock(row, fact)
    return changed


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters, as the page's query string says them; empty means no filter."""

    view: str = ""  # mine, team, unassigned, waiting, breached, complaints
    region: str = ""
    priority: str = ""
    company_id: str = ""
    # "my team": the members of the viewer's dispatch teams (the page asks dispatch; never from the query string)
    team: tuple[str, ...] = ()

    VIEWS = ("mine", "team", "unassigned", "waiting", "breached", "complaints")

    @classmethod
    def of(cls, values: dict[str, str]) -> QueueFilter:
        view = values.get("view", "")
        priority = values.get("priority", "")
        return cls(view=view if view in cls.VIEWS else "", region=values.get("region", "").strip()[:32],
                   priority=priority if priority in PRIORITY_ORDER else "",
                   company_id=values.get("company", "").strip()[:64])

    def as_query(self) -> dict[str, str]:
        pairs = {"view": self.view, "region": self.region, "priority": self.priority, "company": self.company_id}
        return {key: value for key, value in pairs.items() if value}


def time_left_seconds(deadline: datetime | None, now: datetime) -> int | None:
    return None if deadline is None else int((deadline - now).total_seconds())


class HasMembers(Protocol):
    member_ids: Sequence[str]


def team_members(subject: str, teams: Sequence[HasMembers]) -> tuple[str, ...]:
    """Everyone who shares a team with `subject` (itself included), sorted."""
    return tuple(sorted({subject}.union(*(set(t.member_ids) for t in teams if subject in t.member_ids))))
