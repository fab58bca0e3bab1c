"""Routing: one explainable decision per case.

Filter every engineer (active, region, site, skills, tier, on duty, not absent, under
capacity), then rank the ones left: a key-account engineer of the customer first, then the
least loaded, then the fewest cases given today (fairness over the day), then round robin
(the longest since their last assignment). The decision keeps every candidate with the
filters it failed and its score, and names the rule that chose, so "why this engineer" has
an answer. A `Workload` is updated with each decision, so a burst of cases spreads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from dispatch.domain.people import Engineer
from dispatch.domain.vocabulary import FRONT_LINE, EngineerTier

FILTERS = ("active", "region", "site", "skills", "tier", "on_duty", "not_absent", "capacity", "excluded")


@dataclass(frozen=True)
class CaseToRoute:
    case_id: str
    region: str
    company_id: str = ""
    site: str = ""
    category: str = ""
    manufacturer: str = ""
    product: str = ""
    priority: str = ""
    tiers: frozenset[EngineerTier] = FRONT_LINE
    # engineers who must not get it (the assignee being replaced)
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Load:
    open_cases: int = 0
    assigned_today: int = 0
    last_assigned_at: datetime | None = None
    # the day `assigned_today` counts (the region's local date, as text)
    day: str = ""


@dataclass
class Workload:
    """Each engineer's current load; routing reads it and `record` updates it, decision by decision."""

    loads: dict[str, Load] = field(default_factory=dict)

    def of(self, engineer_id: str) -> Load:
        return self.loads.get(engineer_id, Load())

    def record_assignment(self, engineer_id: str, at: datetime, day: str) -> Load:
        before = self.of(engineer_id)
        today = before.assigned_today if before.day == day else 0
        after = Load(before.open_cases + 1, today + 1, at, day)
        self.loads[engineer_id] = after
        return after

    def record_release(self, engineer_id: str) -> Load:
        before = self.of(engineer_id)
        after = replace(before, open_cases=max(0, before.open_cases - 1))
        self.loads[engineer_id] = after
        return after


@dataclass(frozen=True)
class Candidate:
    engineer_id: str
    failed: tuple[str, ...]  # "region: covers north, not east"
    # (key account first, open cases, assigned today, last assignment): lower ranks first
    score: tuple[int, int, int, str] | None = None

    @property
    def eligible(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class RoutingDecision:
    case_id: str
    decided_at: datetime
    chosen: str | None  # None: nobody can take it; the desk queue and a supervisor alert
    rule: str  # which rule chose: "key account", "least loaded", "fairness over the day", "round robin", "no candidate"
    candidates: tuple[Candidate, ...]
    summary: str

    @property
    def eligible(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.eligible)


@dataclass(frozen=True)
class DutyView:
    """Who is on duty and who is absent at the moment of the decision (from the rosters)."""

    on_duty: frozenset[str]
    absent: frozenset[str] = frozenset()


def route(
    case: CaseToRoute,
    engineers: Iterable[Engineer],
    duty: DutyView,
    workload: Workload,
    at: datetime,
) -> RoutingDecision:
    """Choose one engineer for `case`, explaining the choice. Pure: `workload` is only read."""
    candidates = []
    for engineer in sorted(engineers, key=lambda e: e.id):
        failed = _failed_filters(case, engineer, duty, workload.of(engineer.id))
        score = None if failed else _score(case, engineer, workload.of(engineer.id))
        candidates.append(Candidate(engineer.id, tuple(failed), score))
    eligible = sorted((c for c in candidates if c.eligible), key=lambda c: (c.score, c.engineer_id))
    if not eligible:
        return RoutingDecision(
            case.case_id, at, None, "no candidate", tuple(candidates),
            _nobody_summary(case, candidates),
        )
    best = eligible[0]
    rule = _deciding_rule(best, eligible[1] if len(eligible) > 1 else None)
    summary = f"{best.engineer_id} chosen by {rule} among {len(eligible)} eligible of {len(candidates)} engineers"
    return RoutingDecision(case.case_id, at, best.engineer_id, rule, tuple(candidates), summary)


# what an engineer's own take-over or a supervisor's choice must still pass (no duty, skills or tier rule:
# a person chose); every other filter is recorded in the explanation all the same
CHOSEN_BY_A_PERSON = frozenset({"active", "region", "not_absent", "capacity", "excluded"})


def check_named(
    case: CaseToRoute,
    engineer_id: str,
    engineers: Iterable[Engineer],
    duty: DutyView,
    workload: Workload,
    at: datetime,
    *,
    rule: str,
    enforce: frozenset[str] = CHOSEN_BY_A_PERSON,
) -> RoutingDecision:
    """A person named the engineer: the engineer gets it when no enforced filter fails; the decision
    records every filter it failed, so the explanation says why it was allowed or refused."""
    found = next((e for e in engineers if e.id == engineer_id), None)
    if found is None:
        candidate = Candidate(engineer_id, ("known: no such engineer",))
        return RoutingDecision(case.case_id, at, None, "refused", (candidate,), f"{engineer_id} is no known engineer")
    failed = _failed_filters(case, found, duty, workload.of(found.id))
    blocking = [f for f in failed if f.split(":", 1)[0] in enforce]
    candidate = Candidate(found.id, tuple(failed), _score(case, found, workload.of(found.id)))
    if blocking:
        return RoutingDecision(case.case_id, at, None, "refused", (candidate,),
                               f"{found.id} cannot take it: {'; '.join(blocking)}")
    noted = f" (noted: {'; '.join(failed)})" if failed else ""
    return RoutingDecision(case.case_id, at, found.id, rule, (candidate,), f"{found.id} chosen by {rule}{noted}")


def route_burst(
    cases: Iterable[CaseToRoute],
    engineers: Iterable[Engineer],
    duty: DutyView,
    workload: Workload,
    at: datetime,
    day: str,
) -> list[RoutingDecision]:
    """Route many cases at once: each decision counts the assignments made before it in the burst."""
    staff = list(engineers)
    decisions = []
    for case in cases:
        decision = route(case, staff, duty, workload, at)
        if decision.chosen is not None:
            workload.record_assignment(decision.chosen, at, day)
        decisions.append(decision)
    return decisions


def _failed_filters(case: CaseToRoute, engineer: Engineer, duty: DutyView, load: Load) -> list[str]:
    failed = []
    if not engineer.active:
        failed.append("active: the engineer is deactivated")
    if case.region not in engineer.regions:
        failed.append(f"region: covers {', '.join(sorted(engineer.regions))}, not {case.region}")
    if case.site and engineer.sites and case.site not in engineer.sites:
        failed.append(f"site: does not cover site {case.site}")
    missing = engineer.skills.lacks(category=case.category, manufacturer=case.manufacturer, product=case.product)
    if missing:
        failed.append("skills: lacks " + ", ".join(missing))
    if engineer.tier not in case.tiers:
        failed.append(f"tier: is {engineer.tier.value}, wanted {', '.join(sorted(t.value for t in case.tiers))}")
    if engineer.id not in duty.on_duty:
        failed.append("on_duty: not on duty now")
    if engineer.id in duty.absent:
        failed.append("not_absent: absent now")
    if load.open_cases >= engineer.capacity:
        failed.append(f"capacity: {load.open_cases} open cases, capacity {engineer.capacity}")
    if engineer.id in case.exclude:
        failed.append("excluded: the engineer being replaced")
    return failed


def _score(case: CaseToRoute, engineer: Engineer, load: Load) -> tuple[int, int, int, str]:
    key_account = 0 if case.company_id and case.company_id in engineer.key_accounts else 1
    # never assigned sorts first in round robin
    last = load.last_assigned_at.isoformat() if load.last_assigned_at else ""
    return (key_account, load.open_cases, load.assigned_today, last)


_RULES = ("key account", "least loaded", "fairness over the day", "round robin")


def _deciding_rule(best: Candidate, runner_up: Candidate | None) -> str:
    if runner_up is None:
        return "only candidate"
    assert best.score is not None and runner_up.score is not None
    for rule, mine, theirs in zip(_RULES, best.score, runner_up.score, strict=True):
        if mine != theirs:
            return rule
    return "round robin (tie broken by engineer id)"


def _nobody_summary(case: CaseToRoute, candidates: list[Candidate]) -> str:
    if not candidates:
        return f"no engineers are known for region {case.region}"
    counts: dict[str, int] = {}
    for candidate in candidates:
        for failure in candidate.failed:
            name = failure.split(":", 1)[0]
            counts[name] = counts.get(name, 0) + 1
    reasons = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"none of {len(candidates)} engineers can take it; failed filters: {reasons}"


def loads_from(rows: Mapping[str, Load]) -> Workload:
    return Workload(dict(rows))
