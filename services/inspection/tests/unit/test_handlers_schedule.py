"""Plans on the handler tier: visits generated a horizon ahead, the customer's notice 15 working days
before an on-site visit with the dispatch visit owed, missed visits, bring forward, emergency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aftercare_platform.errors import NotFound
from inspection.domain.visits import VisitStatus
from inspection.entrypoints.consumers import subscriptions

from .conftest import ACME, AGENT, OTHER, Kit, quarterly


async def test_a_lost_dispatch_answer_is_retried_with_the_same_key_and_makes_one_visit(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    kit.clock.set(datetime(2026, 1, 11, 16, 30, tzinfo=UTC))  # the notice's day
    assert await kit.ticker.send_notices() == 1
    kit.dispatch.lose_answer = True
    assert await kit.deliveries.run_once() == 1  # dispatch made the visit; inspection never heard
    kit.clock.advance(timedelta(seconds=5))
    assert await kit.deliveries.run_once() == 1
    assert kit.dispatch.keys == [f"inspection-visit:{visit.id}"] * 2  # stable: derived from the visit's id
    assert len(kit.dispatch.visits) == 1
    stored, _ = await kit.reads.visit(AGENT, visit.id)
    assert stored.dispatch_visit_id == "visit-1"


async def test_a_plan_schedules_its_horizon_once_and_says_so(kit: Kit) -> None:
    await kit.checklist()
    plan, added = await kit.plans.create(AGENT, quarterly())
    assert [v.scheduled_on for v in added] == [date(2026, 2, 2)]  # 120 days: 2 Feb; 2 May is Labour Day, later
    assert added[0].notice_on == date(2026, 1, 12)  # 15 working days before
    assert await kit.types() == ["inspection.scheduled"]
    kit.clock.advance(timedelta(days=30))
    assert await kit.plans.schedule_all() == 1  # the horizon moved on to 6 May
    assert await kit.plans.schedule_all() == 0
    visits = await kit.reads.visits(AGENT, plan_id=plan.id)
    assert [v.scheduled_on for v in visits] == [date(2026, 2, 2), date(2026, 5, 6)]


async def test_the_notice_goes_out_on_its_working_day_and_the_field_visit_goes_to_dispatch(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    await kit.types()
    kit.clock.set(datetime(2026, 1, 11, 15, 30, tzinfo=UTC))  # 23:30 on Sunday the 11th in Shanghai: not yet
    assert await kit.ticker.send_notices() == 0  # the notice is due on Monday the 12th
    kit.clock.set(datetime(2026, 1, 11, 16, 30, tzinfo=UTC))  # 00:30 on the 12th in Shanghai
    assert await kit.ticker.send_notices() == 1
    assert await kit.ticker.send_notices() == 0  # once
    (notice,) = [e for e in await kit.bench.new_events()]
    assert notice.type == "aftercare.inspection.notice_due.v1" and notice.data["noticeWorkingDays"] == 15
    kit.dispatch.up = False
    assert await kit.deliveries.run_once() == 1  # the work case opened; dispatch is away: it waits
    assert kit.dispatch.visits == []
    kit.dispatch.up = True
    kit.clock.advance(timedelta(seconds=5))
    assert await kit.deliveries.run_once() == 1
    assert kit.dispatch.visits == [("case-1", "S1", f"Scheduled inspection {visit.id} on 2026-02-02")]
    assert len(kit.intake.reports) == 1  # the work case was not opened twice
    stored, _ = await kit.reads.visit(AGENT, visit.id)
    assert (stored.dispatch_visit_id, stored.dispatch_case_id) == ("visit-1", "case-1")


async def test_a_visit_never_started_becomes_missed_after_the_next_working_day(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    kit.clock.set(datetime(2026, 2, 3, 12, tzinfo=UTC))  # the working day after: not yet
    assert await kit.ticker.mark_missed() == 0
    kit.clock.set(datetime(2026, 2, 4, 1, tzinfo=UTC))
    assert await kit.ticker.mark_missed() == 1
    stored, _ = await kit.reads.visit(AGENT, visit.id)
    assert stored.status is VisitStatus.MISSED
    assert "inspection.missed" in await kit.types()


async def test_an_urgent_problem_brings_the_next_inspection_forward(kit: Kit) -> None:
    await kit.checklist()
    await kit.plans.create(AGENT, quarterly())
    moved = await kit.plans.bring_forward(AGENT, "P1", "P1 outage of the NVR on 4 January")
    assert moved.scheduled_on == date(2026, 1, 6) and moved.notice_on == date(2026, 1, 5)
    assert "brought forward" in moved.moved
    urgent = await kit.plans.emergency(AGENT, "P1", "camera storage errors")
    assert (urgent.kind.value, urgent.scheduled_on) == ("emergency", date(2026, 1, 6))


async def test_customers_see_their_own_plans_and_inspections_only(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    assert [p.id for p in await kit.reads.plans(ACME)] == ["P1"]
    assert await kit.reads.plans(OTHER) == [] and await kit.reads.visits(OTHER) == []
    assert await kit.reads.visits(OTHER, company_id="ACME") == []
    with pytest.raises(NotFound):
        await kit.reads.visit(OTHER, visit.id)
    with pytest.raises(NotFound):
        await kit.reads.plan(OTHER, "P1")
    with pytest.raises(Exception, match="may not"):
        await kit.plans.create(ACME, quarterly(id="P2"))


async def test_a_p1_case_of_the_company_brings_its_next_on_site_inspection_forward_once(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    await kit.types()
    (subscription,) = subscriptions(kit.plans)

    def case_event(verb: str, priority: str, company: str = "ACME") -> object:
        return kit.bench.event(f"aftercare.case.{verb}.v1", subject="case-9", data={
            "caseId": "case-9", "caseNumber": "CN-0009", "region": "east", "companyId": company,
            "contractId": "ACME-C1", "priority": f"PRIORITY_{priority}"})

    assert await kit.bench.deliver(subscription, case_event("created", "P3"))
    assert await kit.bench.deliver(subscription, case_event("created", "P1", company="OTHER"))
    assert await kit.types() == []
    urgent = case_event("priority_changed", "P1")
    assert await kit.bench.deliver(subscription, urgent)
    assert not await kit.bench.deliver(subscription, urgent)  # a redelivery is absorbed by the inbox
    moved, _ = await kit.reads.visit(AGENT, visit.id)
    assert moved.scheduled_on == date(2026, 1, 6) and "case CN-0009" in moved.moved
    assert await kit.types() == ["inspection.scheduled"]
