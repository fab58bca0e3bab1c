"""Routing: filters, scores, the explanation, the Spring Festival roster, bursts spreading."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from aftercare_platform.calendar import Calendar
from dispatch.domain.rosters import on_duty
from dispatch.domain.routing import CaseToRoute, DutyView, Load, Workload, route, route_burst
from dispatch.domain.vocabulary import EngineerTier

from .conftest import beijing, engineer
from .test_rosters import spring_festival_roster

NOW = datetime(2026, 3, 3, 2, tzinfo=UTC)


def duty(*ids: str, absent: tuple[str, ...] = ()) -> DutyView:
    return DutyView(on_duty=frozenset(ids), absent=frozenset(absent))


def test_every_filter_a_candidate_fails_is_recorded() -> None:
    staff = [
        engineer("north-only", regions=("north",)),
        engineer("wrong-skill", manufacturers=("Dahua",)),
        engineer("expert", tier=EngineerTier.EXPERT),
        engineer("off-duty"),
        engineer("full", capacity=1),
        engineer("wrong-site", sites=("s-9",)),
        engineer("ok", manufacturers=("Hikvision",)),
    ]
    load = Workload({"full": Load(open_cases=1)})
    case = CaseToRoute("c1", "east", site="s-1", manufacturer="hikvision")
    decision = route(case, staff, duty("north-only", "wrong-skill", "expert", "full", "wrong-site", "ok"), load, NOW)
    assert decision.chosen == "ok"
    assert decision.rule == "only candidate"
    failed = {c.engineer_id: c.failed for c in decision.candidates}
    assert failed["north-only"] == ("region: covers north, not east",)
    assert failed["wrong-skill"] == ("skills: lacks manufacturer hikvision",)
    assert failed["expert"][0].startswith("tier: is expert")
    assert failed["off-duty"] == ("on_duty: not on duty now",)
    assert failed["full"] == ("capacity: 1 open cases, capacity 1",)
    assert failed["wrong-site"] == ("site: does not cover site s-1",)
    assert failed["ok"] == ()


def test_least_loaded_then_fairness_then_round_robin() -> None:
    staff = [engineer("a"), engineer("b"), engineer("c")]
    on = duty("a", "b", "c")
    busy = Workload({"a": Load(open_cases=2), "b": Load(open_cases=1), "c": Load(open_cases=1, assigned_today=3)})
    first = route(CaseToRoute("c1", "east"), staff, on, busy, NOW)
    assert (first.chosen, first.rule) == ("b", "fairness over the day")
    equal = Workload({
        "a": Load(1, 1, NOW - timedelta(minutes=5)),
        "b": Load(1, 1, NOW - timedelta(minutes=50)),
        "c": Load(1, 1, NOW - timedelta(minutes=20)),
    })
    second = route(CaseToRoute("c2", "east"), staff, on, equal, NOW)
    assert (second.chosen, second.rule) == ("b", "round robin")
    lighter = route(CaseToRoute("c3", "east"), staff, on, Workload({"a": Load(3), "b": Load(1)}), NOW)
    assert (lighter.chosen, lighter.rule) == ("c", "least loaded")


def test_a_key_account_engineer_comes_first_even_when_busier() -> None:
    staff = [engineer("a"), engineer("ka", key_accounts=("acme",))]
    load = Workload({"ka": Load(open_cases=3)})
    decision = route(CaseToRoute("c1", "east", company_id="acme"), staff, duty("a", "ka"), load, NOW)
    assert (decision.chosen, decision.rule) == ("ka", "key account")
    other = route(CaseToRoute("c2", "east", company_id="globex"), staff, duty("a", "ka"), load, NOW)
    assert other.chosen == "a"


def test_no_candidate_is_an_answer_with_the_reasons() -> None:
    staff = [engineer("a"), engineer("b", regions=("north",))]
    decision = route(CaseToRoute("c1", "east"), staff, duty("b", absent=("a",)), Workload(), NOW)
    assert decision.chosen is None
    assert decision.rule == "no candidate"
    assert "on_duty (1)" in decision.summary and "region (1)" in decision.summary


def test_routing_over_the_spring_festival_follows_the_roster(cn_workdays: Calendar) -> None:
    roster = spring_festival_roster(cn_workdays)
    staff = [engineer(i) for i in ("a", "b", "h1", "h2", "n1")]

    def routed_at(at: datetime) -> str | None:
        view = DutyView(frozenset(on_duty(roster, at).engineer_ids))
        return route(CaseToRoute("c", "east"), staff, view, Workload(), at).chosen

    assert routed_at(beijing(2026, 2, 14, 10)) == "a"  # the swapped working Saturday
    assert routed_at(beijing(2026, 2, 16, 10)) == "h1"  # a Monday of the holiday
    assert routed_at(beijing(2026, 2, 16, 22)) == "n1"  # the holiday night
    assert routed_at(beijing(2026, 2, 28, 10)) in {"a", "b"}  # the second swapped Saturday


def test_a_burst_spreads_over_the_engineers_within_capacity() -> None:
    staff = [engineer(f"e{i:02d}", capacity=30) for i in range(20)]
    cases = [CaseToRoute(f"c{i}", "east") for i in range(500)]
    load = Workload({"e00": Load(open_cases=0), **{f"e{i:02d}": Load(open_cases=2) for i in range(1, 20)}})
    decisions = route_burst(cases, staff, duty(*(e.id for e in staff)), load, NOW, "2026-03-03")
    given = Counter(d.chosen for d in decisions)
    assert None not in given
    assert len(given) == 20
    # the engineer who was least loaded at the start gets its share, not the storm
    assert max(given.values()) - min(given.values()) <= 2
    assert all(load.of(e.id).open_cases <= e.capacity for e in staff)


def test_a_burst_beyond_capacity_goes_to_the_desk_rather_than_overloading() -> None:
    staff = [engineer("a", capacity=2), engineer("b", capacity=1)]
    decisions = route_burst([CaseToRoute(f"c{i}", "east") for i in range(5)], staff, duty("a", "b"),
                            Workload(), NOW, "2026-03-03")
    assert [d.chosen for d in decisions].count(None) == 2
    assert all("capacity" in f for d in decisions[3:] for c in d.candidates for f in c.failed)
