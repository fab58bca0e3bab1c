"""Plans and their schedules: create a plan, keep its visits generated a horizon ahead, bring the next
one forward after an urgent problem, an emergency inspection on request, checklist versions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from aftercare_platform.auth.principal import Principal
from aftercare_platform.calendar.working_days import add_working_days
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from inspection.adapters import events, store
from inspection.domain import checklists as checklist_rules
from inspection.domain import schedule as schedule_rules
from inspection.domain import visits as visit_rules
from inspection.domain.checklists import Checklist, Item
from inspection.domain.plans import Mode, Plan, validate
from inspection.domain.schedule import Occurrence
from inspection.domain.visits import Visit, VisitKind
from inspection.handlers.common import PLANNERS, plan_for, require


async def schedule_plan(uow: UnitOfWork, plan: Plan, last_done: date | None) -> list[Visit]:
    """Adds the plan's visits up to its horizon (an occurrence already scheduled is left as it is) and
    announces each new one."""
    if not plan.active:
        return []
    calendar = schedule_rules.plan_calendar(plan)
    today = calendar.local_date(uow.clock.now())
    if plan.anchoring.value == "floating" and await store.next_scheduled(uow.connection, plan.id) is not None:
        return []  # a floating plan knows only its next visit, and has it
    added = []
    for occurrence in schedule_rules.upcoming(plan, calendar, today, last_done):
        visit = visit_rules.scheduled_visit(plan, occurrence, calendar)
        if await store.add_visit(uow.connection, visit):
            uow.emit(events.SCHEDULED, subject=visit.id, region=plan.region,
                     data=events.scheduled(visit, uow.clock.now()))
            added.append(visit)
    return added


class PlanHandlers:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(self, principal: Principal, plan: Plan) -> tuple[Plan, list[Visit]]:
        require(principal, PLANNERS, "create inspection plans")
        plan = validate(replace(plan, id=plan.id or str(uuid.uuid4())))
        async with self._db.unit_of_work() as uow:
            if plan.checklist_id and await store.latest_checklist(uow.connection, plan.checklist_id) is None:
                raise InvalidArgument.for_field("checklist_id", f"no checklist {plan.checklist_id!r}")
            if await store.plan(uow.connection, plan.id) is not None:
                raise FailedPrecondition(f"plan {plan.id} exists already", plan_id=plan.id)
            await store.save_plan(uow.connection, plan)
            added = await schedule_plan(uow, plan, None)
        return plan, added

    async def schedule_all(self) -> int:
        """Every active plan's horizon topped up (the ticker runs it; a day moves the horizon on)."""
        added = 0
        async with self._db.unit_of_work() as uow:
            for plan in await store.plans(uow.connection, None, active_only=True):
                found = await store.plan(uow.connection, plan.id)
                added += len(await schedule_plan(uow, plan, found[1] if found else None))
        return added

    async def bring_forward(self, principal: Principal, plan_id: str, reason: str) -> Visit:
        require(principal, PLANNERS, "move inspections")
        async with self._db.unit_of_work() as uow:
            plan, _ = await plan_for(uow, principal, plan_id)
            following = await store.next_scheduled(uow.connection, plan.id)
            if following is None:
                raise FailedPrecondition(f"plan {plan_id} has no scheduled inspection to bring forward")
            calendar = schedule_rules.plan_calendar(plan)
            moved = visit_rules.bring_forward(following, calendar, calendar.local_date(uow.clock.now()), reason)
            if moved != following:
                await store.save_visit(uow.connection, moved)
                uow.emit(events.SCHEDULED, subject=moved.id, region=plan.region,
                         data=events.scheduled(moved, uow.clock.now()))
        return moved

    async def on_urgent_problem(self, uow: UnitOfWork, *, company_id: str, contract_id: str,
                                case_number: str) -> list[Visit]:
        """A P1 case of a company: the next on-site inspection of each of its plans (for that contract,
        when the case names one) is brought forward to the next working day. In the consumer's unit of work."""
        moved: list[Visit] = []
        for plan in await store.plans(uow.connection, [company_id], active_only=True):
            if plan.mode is not Mode.ON_SITE or (contract_id and plan.contract_id != contract_id):
                continue
            following = await store.next_scheduled(uow.connection, plan.id)
            if following is None:
                continue
            calendar = schedule_rules.plan_calendar(plan)
            earlier = visit_rules.bring_forward(following, calendar, calendar.local_date(uow.clock.now()),
                                                f"urgent problem: case {case_number}")
            if earlier != following:
                await store.save_visit(uow.connection, earlier)
                uow.emit(events.SCHEDULED, subject=earlier.id, region=plan.region,
                         data=events.scheduled(earlier, uow.clock.now()))
                moved.append(earlier)
        return moved

    async def emergency(self, principal: Principal, plan_id: str, reason: str) -> Visit:
        require(principal, PLANNERS, "order emergency inspections")
        if not reason.strip():
            raise InvalidArgument.for_field("reason", "say why an emergency inspection is needed")
        async with self._db.unit_of_work() as uow:
            plan, _ = await plan_for(uow, principal, plan_id)
            calendar = schedule_rules.plan_calendar(plan)
            day = add_working_days(calendar, calendar.local_date(uow.clock.now()), 1)
            urgent = replace(plan, notice_working_days=0)  # the customer is told at once
            visit = visit_rules.scheduled_visit(urgent, Occurrence(day, day, "emergency"), calendar,
                                                kind=VisitKind.EMERGENCY, reason=reason.strip(),
                                                identifier=f"{plan.id}:E:{uuid.uuid4().hex[:8]}")
            await store.add_visit(uow.connection, visit)
            uow.emit(events.SCHEDULED, subject=visit.id, region=plan.region,
                     data=events.scheduled(visit, uow.clock.now()))
        return visit

    async def put_checklist(self, principal: Principal, *, checklist_id: str, name: str,
                            items: tuple[Item, ...]) -> Checklist:
        require(principal, PLANNERS, "edit checklists")
        async with self._db.unit_of_work() as uow:
            previous = await store.latest_checklist(uow.connection, checklist_id)
            version = checklist_rules.new_version(previous, checklist_id=checklist_id, name=name, items=items,
                                                  at=uow.clock.now(), by=principal.subject)
            if not await store.add_checklist(uow.connection, version):
                raise FailedPrecondition(f"checklist {checklist_id} changed meanwhile: try again")
        return version
