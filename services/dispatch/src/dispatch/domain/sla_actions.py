"""What dispatch does with an SLA warning or breach: the actions the policy attached.

`reassign` replaces the assignee (the 45-minute rule of plan 001 §4.2): the next on-duty
engineer takes the case and the previous one leaves it — one assignee, never an extra
one. `escalate` moves the case up the tiers through cases. `notify` is left to notify;
dispatch only says who the roles are now (the region's supervisor on duty, the assignee).
Each action is done once per firing: its key names the case, clock, cycle, firing and
action, and a recorded decision under that key means it was done.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from dispatch.domain.people import Engineer
from dispatch.domain.routing import CaseToRoute, DutyView, RoutingDecision, Workload, route
from dispatch.domain.vocabulary import EngineerTier


@dataclass(frozen=True)
class SlaAction:
    kind: str  # "notify" | "reassign" | "escalate"
    roles: tuple[str, ...] = ()
    tiers: int = 1


@dataclass(frozen=True)
class Firing:
    """One warning or breach of one clock of one case."""

    case_id: str
    clock_kind: str
    cycle: int
    firing: str  # "warning-1", "breach"
    actions: tuple[SlaAction, ...]

    def action_key(self, index: int) -> str:
        action = self.actions[index]
        return f"{self.case_id}/{self.clock_kind}/{self.cycle}/{self.firing}/{index}-{action.kind}"


@dataclass(frozen=True)
class Replacement:
    """The assignee is replaced: `previous` leaves the case, `decision.chosen` takes it."""

    case_id: str
    previous: str
    decision: RoutingDecision

    @property
    def new_assignee(self) -> str | None:
        return self.decision.chosen


def plan_replacement(
    case: CaseToRoute,
    current_assignee: str,
    engineers: list[Engineer],
    duty: DutyView,
    workload: Workload,
    at: datetime,
) -> Replacement:
    """Route the case again without its current assignee: the replacement, never a second assignee."""
    again = without_assignee(case, current_assignee)
    return Replacement(case.case_id, current_assignee, route(again, engineers, duty, workload, at))


def without_assignee(case: CaseToRoute, current_assignee: str) -> CaseToRoute:
    """The case to route for a replacement: whoever holds it now is not a candidate."""
    excluded = case.exclude | ({current_assignee} if current_assignee else set())
    return replace(case, exclude=frozenset(excluded))


def apply_replacement(workload: Workload, replacement: Replacement, at: datetime, day: str) -> None:
    """The load moves with the case: the previous assignee is freed, the new one takes one more."""
    if replacement.new_assignee is None:
        return
    if replacement.previous:
        workload.record_release(replacement.previous)
    workload.record_assignment(replacement.new_assignee, at, day)


def supervisors_on_duty(engineers: list[Engineer], duty: DutyView, region: str) -> list[str]:
    """Whom "the supervisor" means now in `region`: its supervisors on duty (all its supervisors if none is)."""
    supervisors = [e for e in engineers if e.tier is EngineerTier.SUPERVISOR and region in e.regions and e.active]
    on = [e.id for e in supervisors if e.id in duty.on_duty and e.id not in duty.absent]
    return sorted(on) or sorted(e.id for e in supervisors)
