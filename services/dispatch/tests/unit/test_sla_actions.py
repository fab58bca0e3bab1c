"""The 45-minute rule: the assignee is replaced, never joined by a second one."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch.domain.routing import CaseToRoute, DutyView, Load, Workload
from dispatch.domain.sla_actions import Firing, SlaAction, apply_replacement, plan_replacement, supervisors_on_duty
from dispatch.domain.vocabulary import EngineerTier

from .conftest import engineer

NOW = datetime(2026, 3, 3, 2, 45, tzinfo=UTC)


def test_replace_not_append() -> None:
    staff = [engineer("slow"), engineer("next"), engineer("busy")]
    load = Workload({"slow": Load(open_cases=1), "next": Load(open_cases=2), "busy": Load(open_cases=4)})
    on = DutyView(frozenset({"slow", "next", "busy"}))
    replacement = plan_replacement(CaseToRoute("c1", "east"), "slow", staff, on, load, NOW)
    # the least loaded is the engineer being replaced: it is excluded, the next one takes the case
    assert replacement.previous == "slow"
    assert replacement.new_assignee == "next"
    excluded = next(c for c in replacement.decision.candidates if c.engineer_id == "slow")
    assert excluded.failed == ("excluded: the engineer being replaced",)
    apply_replacement(load, replacement, NOW, "2026-03-03")
    # the load moved with the case: one assignee, the old one freed
    assert load.of("slow").open_cases == 0
    assert load.of("next").open_cases == 3
    assert sum(item.open_cases for item in load.loads.values()) == 1 + 2 + 4


def test_replacement_without_a_candidate_leaves_the_load_alone() -> None:
    load = Workload({"slow": Load(open_cases=1)})
    replacement = plan_replacement(CaseToRoute("c1", "east"), "slow", [engineer("slow")],
                                   DutyView(frozenset({"slow"})), load, NOW)
    assert replacement.new_assignee is None
    apply_replacement(load, replacement, NOW, "2026-03-03")
    assert load.of("slow").open_cases == 1


def test_each_action_of_a_firing_has_its_own_stable_key() -> None:
    firing = Firing("c1", "response", 1, "warning-1", (SlaAction("notify", ("assignee",)), SlaAction("reassign")))
    assert firing.action_key(1) == "c1/response/1/warning-1/1-reassign"
    assert firing.action_key(0) != firing.action_key(1)
    again = Firing("c1", "response", 1, "warning-1", firing.actions)
    assert again.action_key(1) == firing.action_key(1)


def test_the_supervisor_is_whoever_supervises_the_region_on_duty() -> None:
    staff = [
        engineer("sup-day", tier=EngineerTier.SUPERVISOR),
        engineer("sup-night", tier=EngineerTier.SUPERVISOR),
        engineer("sup-north", tier=EngineerTier.SUPERVISOR, regions=("north",)),
    ]
    assert supervisors_on_duty(staff, DutyView(frozenset({"sup-night"})), "east") == ["sup-night"]
    assert supervisors_on_duty(staff, DutyView(frozenset()), "east") == ["sup-day", "sup-night"]
