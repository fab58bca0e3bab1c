"""Assignments a person asks for, through the same rules as routing: an engineer taking a case over,
a supervisor replacing the assignee (after a complaint or not), an expert of the panel joining a case.

Each is checked against routing's filters (capacity, region, absence...; `routing.check_named`), or
chosen by routing when nobody is named, and recorded as a decision — allowed or refused — so
ExplainAssignment answers for it as for any other. Cases is told as the caller (take-over and
replacement are theirs on the timeline) once the decision is committed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import FailedPrecondition, PermissionDenied

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CaseFacts, CasesPort, CasesRefused, answering_callers
from dispatch.adapters.case_snapshot import case_for_work
from dispatch.adapters.people_mapping import engineer_from_document
from dispatch.adapters.proto_values import stamp
from dispatch.domain.people import Engineer, panel_members
from dispatch.domain.routing import CaseToRoute, RoutingDecision, check_named, route
from dispatch.domain.vocabulary import EngineerTier
from dispatch.handlers import CLOSED_STATUSES, DispatchHandlers, RoutingView

Decide = Callable[[RoutingView, CaseToRoute], RoutingDecision]


class AssignmentHandlers:
    def __init__(self, database: Database, cases: CasesPort, routing: DispatchHandlers) -> None:
        self._db = database
        self._cases = cases
        self._routing = routing

    async def take_over(self, principal: Principal, case_id: str, reason: str, caller: str) -> store.StoredDecision:
        """The calling engineer takes the case: allowed when routing's rules let them have it now."""
        me = await self._engineer_of(principal)
        facts = await self._open_case(principal, case_id)
        if facts.assignee_id == me.id:
            raise FailedPrecondition(f"case {facts.case_number} is already {me.id}'s")
        stored = await self._decide(facts, "take_over", lambda view, case: check_named(
            case, me.id, view.engineers, view.duty, view.workload, self._db.clock.now(), rule="take-over"))
        why = reason.strip() or f"taken over by {me.id}"
        with answering_callers():
            await self._tell(stored, facts, lambda: self._cases.take_over(facts.case_id, why, caller))
        return await self._done(stored, facts, why)

    async def replace_assignee(self, principal: Principal, case_id: str, engineer_id: str, reason: str,
                               complaint_sequence: int | None, caller: str) -> store.StoredDecision:
        """A supervisor replaces the assignee: the engineer named if routing's rules allow, else routing's pick."""
        facts = await self._open_case(principal, case_id)
        current = frozenset({facts.assignee_id}) if facts.assignee_id else frozenset()

        def decide(view: RoutingView, case: CaseToRoute) -> RoutingDecision:
            case = replace(case, exclude=current)
            at = self._db.clock.now()
            if engineer_id:
                return check_named(case, engineer_id, view.engineers, view.duty, view.workload, at,
                                   rule="supervisor's choice")
            return route(case, view.engineers, view.duty, view.workload, at)

        stored = await self._decide(facts, "supervisor_replace", decide)
        assert stored.chosen is not None
        chosen = stored.chosen
        with answering_callers():
            await self._tell(stored, facts, lambda: self._cases.replace_assignee(
                facts.case_id, chosen, reason, complaint_sequence, caller))
        return await self._done(stored, facts, reason)

    async def add_expert(self, principal: Principal, case_id: str, engineer_id: str, reason: str
                         ) -> store.StoredDecision:
        """An expert of the panel joins the case as a participant; the case keeps its engineer."""
        facts = await self._open_case(principal, case_id)

        def decide(view: RoutingView, case: CaseToRoute) -> RoutingDecision:
            panel = panel_members(view.engineers, view.teams)
            case = replace(case, tiers=frozenset({EngineerTier.EXPERT}))
            at = self._db.clock.now()
            if engineer_id:
                return check_named(case, engineer_id, panel, view.duty, view.workload, at, rule="named expert",
                                   enforce=frozenset({"active", "region", "tier", "not_absent"}))
            return route(case, panel, view.duty, view.workload, at)

        stored = await self._decide(facts, "expert", decide, moves_load=False)
        assert stored.chosen is not None
        expert = stored.chosen
        why = reason.strip() or "expert panel support"
        with answering_callers():
            await self._tell(stored, facts, lambda: self._cases.add_participant(
                facts.case_id, expert, "expert", why, stored.key))
        async with self._db.unit_of_work() as uow:
            if await store.finish_decision(uow, stored.key, "done", f"{expert} joined the case"):
                uow.emit("aftercare.dispatch.expert_added.v1", subject=facts.case_id, region=facts.region,
                         data=ev.DispatchExpertAdded(
                             case_id=facts.case_id, case_number=facts.case_number, region=facts.region,
                             company_id=facts.company_id, occurred_at=stamp(uow.clock.now()),
                             decision_key=stored.key, engineer_id=expert, reason=why))
            found = await store.find_decision(uow, stored.key)
        assert found is not None
        return found

    # ---- steps ----------------------------------------------------------------------------------

    async def _engineer_of(self, principal: Principal) -> Engineer:
        async with self._db.unit_of_work() as uow:
            doc = await store.engineer_by_subject(uow, principal.subject)
        if doc is None:
            raise PermissionDenied(f"{principal.subject!r} is no engineer dispatch knows; only engineers take over")
        return engineer_from_document(doc)

    async def _open_case(self, principal: Principal, case_id: str) -> CaseFacts:
        facts = await case_for_work(self._cases, principal, case_id)
        if facts.status in CLOSED_STATUSES:
            raise FailedPrecondition(f"case {facts.case_number} is {facts.status}")
        return facts

    async def _decide(self, facts: CaseFacts, purpose: str, decide: Decide, *, moves_load: bool = True
                      ) -> store.StoredDecision:
        """Decide under the region's lock and commit the decision, allowed or refused (then raise)."""
        key = f"{purpose}/{facts.case_id}/{uuid.uuid4()}"
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            view = await self._routing.routing_view(uow, facts.region, now)
            decision = decide(view, _to_route(facts))
            stored = await store.record_decision(
                uow, key, purpose=purpose, decision=decision, case_id=facts.case_id, day=view.day, at=now,
                previous=facts.assignee_id or None, state="pending" if decision.chosen else "refused")
            if decision.chosen is not None and moves_load:
                await store.note_case(uow, case_id=facts.case_id, case_number=facts.case_number,
                                      region=facts.region, company_id=facts.company_id,
                                      assignee_id=decision.chosen, open_=True, at=now)
        if stored.chosen is None:
            raise FailedPrecondition(f"refused by dispatch's rules: {stored.summary}")
        return stored

    async def _tell(self, stored: store.StoredDecision, facts: CaseFacts, call: Callable[[], Awaitable[None]]) -> None:
        try:
            await call()
        except CasesRefused as refused:
            async with self._db.unit_of_work() as uow:
                await store.finish_decision(uow, stored.key, "refused", str(refused))
                await store.note_case(uow, case_id=facts.case_id, case_number=facts.case_number,
                                      region=facts.region, company_id=facts.company_id,
                                      assignee_id=facts.assignee_id or None, open_=True, at=uow.clock.now())
            raise

    async def _done(self, stored: store.StoredDecision, facts: CaseFacts, reason: str) -> store.StoredDecision:
        assert stored.chosen is not None
        async with self._db.unit_of_work() as uow:
            if await store.finish_decision(uow, stored.key, "done", f"{stored.chosen} holds the case"):
                uow.emit("aftercare.dispatch.reassigned.v1", subject=facts.case_id, region=facts.region,
                         data=ev.DispatchReassigned(
                             case_id=facts.case_id, case_number=facts.case_number, region=facts.region,
                             company_id=facts.company_id, occurred_at=stamp(uow.clock.now()),
                             decision_key=stored.key, engineer_id=stored.chosen,
                             previous_engineer_id=facts.assignee_id, reason=reason))
            found = await store.find_decision(uow, stored.key)
        assert found is not None
        return found


def _to_route(facts: CaseFacts) -> CaseToRoute:
    return CaseToRoute(case_id=facts.case_id, region=facts.region, company_id=facts.company_id, site=facts.site,
                       category=facts.category, manufacturer=facts.manufacturer, product=facts.product)
