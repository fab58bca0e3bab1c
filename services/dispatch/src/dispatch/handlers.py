"""Dispatch's use cases: keep engineers and rosters, answer who is on duty, route new cases, act on
SLA warnings and breaches. Load, decide (pure domain), save, tell cases, emit.

Exactly once per case and per SLA action: a decision is stored under its key and committed
before cases is told (in its own transaction on PostgreSQL, so a crash after telling cases
finds the same decision again), cases is told with the key as request id (a retry changes
the case once), and the decision is marked carried out in the consumer's transaction, which
is also where its event is emitted — once, since only one delivery moves it from pending.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.db.unit_of_work import Database, UnitOfWork

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CaseFacts, CasesPort, CasesRefused
from dispatch.adapters.people_mapping import (
    team_from_document,
)
from dispatch.adapters.proto_values import stamp
from dispatch.adapters.tables import teams as teams_table
from dispatch.domain.people import Engineer, Team, with_team_accounts
from dispatch.domain.rosters import on_duty
from dispatch.domain.routing import CaseToRoute, DutyView, Workload, route
from dispatch.domain.sla_actions import Firing, SlaAction, supervisors_on_duty, without_assignee
from dispatch.domain.vocabulary import EngineerTier
from dispatch.people_handlers import PeopleAndRosters

log = logging.getLogger(__name__)

CLOSED_STATUSES = frozenset({"resolved", "closed", "cancelled"})
ANSWER_AT_ONCE = "answer the customer at once"
# which engineers a notify role means, besides the assignee and the supervisor
ROLE_TIERS = {
    "desk_agent": EngineerTier.DESK_AGENT,
    "expert_panel": EngineerTier.EXPERT,
    "field_team": EngineerTier.FIELD_ENGINEER,
    "rma_admin": EngineerTier.RMA_ADMINISTRATOR,
}


@dataclass(frozen=True)
class RoutingView:
    engineers: list[Engineer]
    teams: list[Team]
    duty: DutyView
    workload: Workload
    day: str  # the region's local date


class DispatchHandlers(PeopleAndRosters):
    def __init__(self, database: Database, cases: CasesPort, *, time_zone: str = "Asia/Shanghai") -> None:
        self._db = database
        self._cases = cases
        self._zone = ZoneInfo(time_zone)
        # decisions commit on their own before cases is told; SQLite (embedded) has one writer at a time
        self._separate_decisions = database.engine.dialect.name == "postgresql"

    def now(self) -> datetime:
        return self._db.clock.now()

    # ---- routing --------------------------------------------------------------------------------

    def _day(self, at: datetime) -> str:
        return at.astimezone(self._zone).date().isoformat()

    @asynccontextmanager
    async def _decision_unit(self, outer: UnitOfWork) -> AsyncIterator[UnitOfWork]:
        if self._separate_decisions:
            async with self._db.unit_of_work() as uow:
                yield uow
        else:
            yield outer

    async def _duty(self, uow: UnitOfWork, region: str, at: datetime) -> DutyView:
        rosters = await self._rosters(uow, region)
        answers = [on_duty(r, at) for r in rosters]
        absent = {a.engineer_id for r in rosters for a in r.absences if a.start <= at < a.end}
        return DutyView(frozenset(e for answer in answers for e in answer.engineer_ids), frozenset(absent))

    async def routing_view(self, uow: UnitOfWork, region: str, at: datetime) -> RoutingView:
        """Everything a decision in `region` reads, under the region's lock (key-account teams applied)."""
        await store.lock_region(uow, region)
        teams = [team_from_document(d) for d in await store.all_documents(uow, teams_table)]
        engineers = with_team_accounts(await self._engineers(uow, region), teams)
        duty = await self._duty(uow, region, at)
        day = self._day(at)
        workload = await store.workload(uow, [e.id for e in engineers], day)
        return RoutingView(engineers, teams, duty, workload, day)

    async def _route(self, uow: UnitOfWork, case: CaseToRoute, at: datetime, key: str, purpose: str,
                     previous: str | None) -> store.StoredDecision:
        """Decide under the region's lock and record it; the case's load moves to the chosen engineer now."""
        view = await self.routing_view(uow, case.region, at)
        decision = route(case, view.engineers, view.duty, view.workload, at)
        stored = await store.record_decision(uow, key, purpose=purpose, decision=decision, case_id=case.case_id,
                                             day=view.day, at=at, previous=previous)
        if decision.chosen is not None and stored.chosen == decision.chosen:
            row = await store.case_view_row(uow, case.case_id)
            await store.note_case(uow, case_id=case.case_id, case_number=row.case_number if row else "",
                                  region=case.region, company_id=case.company_id, assignee_id=decision.chosen,
                                  open_=True, at=at)
        return stored

    async def route_new_case(self, outer: UnitOfWork, case: CaseToRoute, case_number: str,
                             trigger: str = "created") -> None:
        """case.created (or a case back at the desk): choose an engineer, Assign through cases, or queue at
        the desk and alert. `trigger` keys the decision: one per case and occasion."""
        key = f"route/{case.case_id}/{trigger}"
        async with self._decision_unit(outer) as uow:
            stored = await store.find_decision(uow, key)
            if stored is None:
                now = uow.clock.now()
                await store.note_case(uow, case_id=case.case_id, case_number=case_number, region=case.region,
                                      company_id=case.company_id, assignee_id=None, open_=True, at=now)
                stored = await self._route(uow, case, now, key, "route", None)
        facts = CaseFacts(case.case_id, case_number, case.region, case.company_id, case.site, case.category,
                          case.manufacturer, case.product, "new", "")
        await self._carry_out(outer, stored, facts, reason=f"dispatch: {stored.summary}")

    async def _carry_out(self, outer: UnitOfWork, stored: store.StoredDecision, facts: CaseFacts, *,
                         reason: str) -> None:
        if stored.state != "pending":
            return
        if stored.chosen is None:
            if await store.finish_decision(outer, stored.key, "queued", stored.summary):
                await self._emit_desk_queue(outer, stored, facts)
            return
        try:
            if stored.previous:
                await self._cases.reassign(facts.case_id, stored.chosen, reason, stored.key)
            else:
                await self._cases.assign(facts.case_id, stored.chosen, reason, stored.key)
        except CasesRefused as refused:
            log.info("cases refused decision %s: %s", stored.key, refused)
            await store.finish_decision(outer, stored.key, "refused", str(refused))
            return
        if not await store.finish_decision(outer, stored.key, "done", f"{stored.chosen} holds the case"):
            return
        now = outer.clock.now()
        if stored.previous:
            outer.emit("aftercare.dispatch.reassigned.v1", subject=facts.case_id, region=facts.region, data=(
                ev.DispatchReassigned(
                    case_id=facts.case_id, case_number=facts.case_number, region=facts.region,
                    company_id=facts.company_id, occurred_at=stamp(now), decision_key=stored.key,
                    engineer_id=stored.chosen, previous_engineer_id=stored.previous, reason=reason,
                    instruction=ANSWER_AT_ONCE)))
        else:
            outer.emit("aftercare.dispatch.assigned.v1", subject=facts.case_id, region=facts.region, data=(
                ev.DispatchAssigned(
                    case_id=facts.case_id, case_number=facts.case_number, region=facts.region,
                    company_id=facts.company_id, occurred_at=stamp(now), decision_key=stored.key,
                    engineer_id=stored.chosen, rule=stored.rule, summary=stored.summary)))

    async def _emit_desk_queue(self, uow: UnitOfWork, stored: store.StoredDecision, facts: CaseFacts) -> None:
        now = uow.clock.now()
        engineers = await self._engineers(uow, facts.region)
        supervisors = supervisors_on_duty(engineers, await self._duty(uow, facts.region, now), facts.region)
        common = dict(case_id=facts.case_id, case_number=facts.case_number, region=facts.region,
                      company_id=facts.company_id, occurred_at=stamp(now), decision_key=stored.key)
        uow.emit("aftercare.dispatch.desk_queued.v1", subject=facts.case_id, region=facts.region,
                 data=ev.DispatchDeskQueued(**common, summary=stored.summary))  # type: ignore[arg-type]
        uow.emit("aftercare.dispatch.supervisor_alert.v1", subject=facts.case_id, region=facts.region,
                 data=ev.DispatchSupervisorAlert(**common, supervisor_ids=supervisors,  # type: ignore[arg-type]
                                                 reason=f"no engineer can take the case: {stored.summary}"))

    async def route_returned_case(self, outer: UnitOfWork, case_id: str, trigger: str) -> None:
        """A case back at the desk with nobody holding it (reopened without an assignee) is routed again."""
        try:
            facts = await self._cases.get_case(case_id)
        except CasesRefused:
            log.info("case %s is gone; nothing to route", case_id)
            return
        if facts.assignee_id or facts.status in CLOSED_STATUSES:
            return
        await self.route_new_case(outer, _to_route(facts), facts.case_number, trigger)

    # ---- SLA actions -----------------------------------------------------------------------------

    async def act_on_firing(self, outer: UnitOfWork, firing: Firing, region: str, label: str) -> None:
        for index, action in enumerate(firing.actions):
            key = firing.action_key(index)
            if action.kind == "reassign":
                await self._replace(outer, firing, key, label)
            elif action.kind == "escalate":
                await self._escalate(outer, firing, key, action, label)
            elif action.kind == "notify":
                await self._resolve_roles(outer, firing, key, action, region, label)

    async def _replace(self, outer: UnitOfWork, firing: Firing, key: str, label: str) -> None:
        """The 45-minute rule: the next on-duty engineer replaces the assignee; never a second assignee."""
        facts: CaseFacts | None = None
        async with self._decision_unit(outer) as uow:
            stored = await store.find_decision(uow, key)
            if stored is None:
                try:
                    facts = await self._cases.get_case(firing.case_id)
                except CasesRefused as gone:
                    await store.record_decision(uow, key, purpose="replace", decision=None, case_id=firing.case_id,
                                                day=self._day(uow.clock.now()), at=uow.clock.now(), state="skipped",
                                                rule="case unavailable", summary=str(gone))
                    return
                now = uow.clock.now()
                if facts.status in CLOSED_STATUSES:
                    stored = await store.record_decision(
                        uow, key, purpose="replace", decision=None, case_id=facts.case_id, day=self._day(now),
                        at=now, state="skipped", rule="case no longer open", summary=f"the case is {facts.status}")
                else:
                    await store.note_case(uow, case_id=facts.case_id, case_number=facts.case_number,
                                          region=facts.region, company_id=facts.company_id,
                                          assignee_id=facts.assignee_id or None, open_=True, at=now)
                    case = without_assignee(_to_route(facts), facts.assignee_id)
                    stored = await self._route(uow, case, now, key, "replace", facts.assignee_id or None)
        if stored.state != "pending":
            return
        if facts is None:
            facts = await self._cases.get_case(firing.case_id)
        reason = f"SLA {label}: {firing.clock_kind} not answered in time; replaced by dispatch ({stored.rule})"
        await self._carry_out(outer, stored, facts, reason=reason)

    async def _escalate(self, outer: UnitOfWork, firing: Firing, key: str, action: SlaAction, label: str) -> None:
        async with self._decision_unit(outer) as uow:
            now = uow.clock.now()
            stored = await store.record_decision(
                uow, key, purpose="escalate", decision=None, case_id=firing.case_id, day=self._day(now), at=now,
                rule="sla escalate", summary=f"SLA {label}: escalate {action.tiers} tier(s)")
        if stored.state != "pending":
            return
        reason = f"SLA {label}: {firing.clock_kind} target missed; escalated by dispatch"
        try:
            for step in range(max(1, action.tiers)):
                await self._cases.escalate(firing.case_id, reason, f"{key}#{step + 1}")
        except CasesRefused as refused:
            await store.finish_decision(outer, key, "refused", str(refused))
            return
        if await store.finish_decision(outer, key, "done", f"escalated {action.tiers} tier(s)"):
            view = await store.case_view_row(outer, firing.case_id)
            region = view.region if view else ""
            if region:
                outer.emit("aftercare.dispatch.escalated.v1", subject=firing.case_id, region=region,
                           data=ev.DispatchEscalated(
                               case_id=firing.case_id, case_number=view.case_number if view else "", region=region,
                               company_id=view.company_id if view else "", occurred_at=stamp(now),
                               decision_key=key, tiers=max(1, action.tiers), reason=reason))

    async def _resolve_roles(self, outer: UnitOfWork, firing: Firing, key: str, action: SlaAction, region: str,
                             label: str) -> None:
        """notify sends; dispatch says who each role is now (the assignee, the region's supervisor on duty...)."""
        now = outer.clock.now()
        if await store.find_decision(outer, key) is not None:
            return
        await store.record_decision(outer, key, purpose="notify", decision=None, case_id=firing.case_id,
                                    day=self._day(now), at=now, state="done", rule="roles resolved",
                                    summary=f"SLA {label}: {', '.join(action.roles)}")
        view = await store.case_view_row(outer, firing.case_id)
        engineers = await self._engineers(outer, region)
        duty = await self._duty(outer, region, now)
        roles: dict[str, list[str]] = {}
        for role in action.roles:
            if role == "assignee":
                roles[role] = [view.assignee_id] if view and view.assignee_id else []
            elif role == "supervisor":
                roles[role] = supervisors_on_duty(engineers, duty, region)
            elif role in ROLE_TIERS:
                roles[role] = sorted(e.id for e in engineers if e.tier is ROLE_TIERS[role] and e.id in duty.on_duty)
        outer.emit("aftercare.dispatch.roles_resolved.v1", subject=firing.case_id, region=region,
                   data=ev.DispatchRolesResolved(
                       case_id=firing.case_id, case_number=view.case_number if view else "", region=region,
                       company_id=view.company_id if view else "", occurred_at=stamp(now), decision_key=key,
                       roles={r: ev.RoleMembers(engineer_ids=ids) for r, ids in roles.items()}, trigger=label))

    # ---- the case view --------------------------------------------------------------------------

    async def note_case(self, uow: UnitOfWork, *, case_id: str, case_number: str, region: str, company_id: str,
                        assignee_id: str | None, open_: bool) -> None:
        await store.note_case(uow, case_id=case_id, case_number=case_number, region=region, company_id=company_id,
                              assignee_id=assignee_id, open_=open_, at=uow.clock.now())


def _to_route(facts: CaseFacts) -> CaseToRoute:
    return CaseToRoute(
        case_id=facts.case_id, region=facts.region, company_id=facts.company_id, site=facts.site,
        category=facts.category, manufacturer=facts.manufacturer, product=facts.product,
    )

