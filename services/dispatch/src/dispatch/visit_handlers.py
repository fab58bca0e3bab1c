"""Field visits as a use case: load, decide (domain/visits.py), save, emit `aftercare.visit.*`.

Every visit event starts with the case snapshot (number, region, company, contract, priority) that the
cases service gave when the visit was requested, so sla-timer runs the on-site clock without calling back;
`visit.checked_in` carries the device's own time as `occurred_at`, so a late check-in stops the
clock when the engineer arrived, not when the phone came back online."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CasesPort, answering_callers
from dispatch.adapters.case_snapshot import actor_message, case_for_work, event_head, snapshot_of, within_reach
from dispatch.adapters.proto_values import document, stamp
from dispatch.adapters.tables import engineers as engineers_table
from dispatch.adapters.visit_mapping import visit_from_document, visit_to_proto
from dispatch.domain import visits as rules
from dispatch.domain.people import field_team
from dispatch.domain.routing import CaseToRoute, route
from dispatch.domain.visits import Visit
from dispatch.domain.vocabulary import EngineerTier
from dispatch.handlers import DispatchHandlers


class VisitHandlers:
    def __init__(self, database: Database, cases: CasesPort, routing: DispatchHandlers) -> None:
        self._db = database
        self._cases = cases
        self._routing = routing

    async def request(self, principal: Principal, *, case_id: str, site: str, reason: str,
                      request_id: str = "") -> Visit:
        facts = await case_for_work(self._cases, principal, case_id)
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            visit = rules.request_visit(visit_id=str(uuid.uuid4()), case_id=facts.case_id, case_status=facts.status,
                                        site=site or facts.site, reason=reason, at=now)
            if request_id:
                first, first_case = await store.claim_visit_request(uow, request_id, visit.id, visit.case_id, now)
                if first_case != visit.case_id:
                    raise InvalidArgument.for_field("request_id", "already used for another case's visit")
                if first != visit.id:  # a repeat: the visit the key made, nothing new
                    existing, _ = await self._load(uow, first, principal)
                    return existing
            snapshot = snapshot_of(facts)
            await self._save(uow, visit, snapshot)
            uow.emit("aftercare.visit.requested.v1", subject=visit.case_id, region=facts.region,
                     data=ev.VisitRequested(**self._head(visit, snapshot, now, principal), visit_id=visit.id,
                                            site_id=visit.site, reason=visit.reason))
        return visit

    async def get(self, principal: Principal, visit_id: str) -> Visit:
        """Staff of its region, and the customer whose case it is (another company's looks absent)."""
        async with self._db.unit_of_work() as uow:
            visit, _ = await self._load(uow, visit_id, principal)
        return visit

    async def plan(self, principal: Principal, visit_id: str, *, engineer_id: str, planned_for: datetime,
                   parts: tuple[str, ...]) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, _ = await self._load(uow, visit_id, principal)
        facts = await case_for_work(self._cases, principal, visit.case_id)
        with answering_callers():
            history = await self._cases.device_history(facts.company_id, facts.serial_number, facts.case_id)
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            visit = rules.attach_file(visit, company_id=facts.company_id, serial=facts.serial_number,
                                      history=tuple(history))
            if not engineer_id.strip():
                engineer_id = await self._field_engineer(uow, visit, snapshot["region"], planned_for)
            visit = rules.plan_visit(visit, engineer_id=engineer_id, planned_for=planned_for, parts=parts)
            await self._save(uow, visit, snapshot)
            uow.emit("aftercare.visit.planned.v1", subject=visit.case_id, region=snapshot["region"],
                     data=ev.VisitPlanned(**self._head(visit, snapshot, uow.clock.now(), principal),
                                          visit_id=visit.id, engineer_id=visit.engineer_id, site_id=visit.site,
                                          planned_time=stamp(planned_for), parts=list(parts)))
        return visit

    async def _field_engineer(self, uow: UnitOfWork, visit: Visit, region: str, planned_for: datetime) -> str:
        """Routing among the region's field team, on duty at the planned time; the decision is explained."""
        view = await self._routing.routing_view(uow, region, planned_for)
        case = CaseToRoute(visit.case_id, region, site=visit.site, tiers=frozenset({EngineerTier.FIELD_ENGINEER}))
        decision = route(case, field_team(view.engineers, view.teams, region), view.duty, view.workload, planned_for)
        if decision.chosen is None:
            raise FailedPrecondition(f"no field engineer can go: {decision.summary}; name one")
        await store.record_decision(uow, f"visit/{visit.id}/plan/{uuid.uuid4()}", purpose="visit", decision=decision,
                                    case_id=visit.case_id, day=view.day, at=uow.clock.now(), state="done")
        return decision.chosen

    async def start_travel(self, principal: Principal, visit_id: str) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            await self._own(uow, principal, visit)
            visit = rules.start_travel(visit, uow.clock.now())
            await self._save(uow, visit, snapshot)
        return visit

    async def check_in(self, principal: Principal, visit_id: str, device_time: datetime) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            await self._own(uow, principal, visit)
            visit = rules.check_in(visit, device_time=device_time, received_at=uow.clock.now())
            await self._save(uow, visit, snapshot)
            # occurred_at is the device's time: the on-site clock stops there
            uow.emit("aftercare.visit.checked_in.v1", subject=visit.case_id, region=snapshot["region"],
                     data=ev.VisitCheckedIn(**self._head(visit, snapshot, device_time, principal),
                                            visit_id=visit.id, engineer_id=visit.engineer_id, site_id=visit.site))
        return visit

    async def record_work(self, principal: Principal, visit_id: str, text: str, action: str) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            await self._own(uow, principal, visit)
            visit = rules.record_work(visit, text=text, action=action, at=uow.clock.now())
            await self._save(uow, visit, snapshot)
        return visit

    async def approve(self, principal: Principal, visit_id: str, action: str, signed_by: str) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            await self._own(uow, principal, visit)
            visit = rules.approve(visit, action=action, signed_by=signed_by, at=uow.clock.now())
            await self._save(uow, visit, snapshot)
        return visit

    async def check_out(self, principal: Principal, visit_id: str, report: str,
                        parts_used: tuple[str, ...] = ()) -> Visit:
        async with self._db.unit_of_work() as uow:
            visit, snapshot = await self._load(uow, visit_id, principal)
            await self._own(uow, principal, visit)
            now = uow.clock.now()
            visit = rules.check_out(visit, at=now, report=report, parts_used=parts_used)
            await self._save(uow, visit, snapshot)
            uow.emit("aftercare.visit.checked_out.v1", subject=visit.case_id, region=snapshot["region"],
                     data=ev.VisitCheckedOut(**self._head(visit, snapshot, now, principal), visit_id=visit.id,
                                             engineer_id=visit.engineer_id, site_id=visit.site, report=visit.report,
                                             parts_used=list(visit.parts_used)))
        return visit

    # ---- helpers ------------------------------------------------------------------------------

    async def _load(self, uow: UnitOfWork, visit_id: str, principal: Principal) -> tuple[Visit, dict[str, Any]]:
        doc, snapshot = within_reach(await store.get_visit(uow, visit_id), principal, "visit", visit_id)
        return visit_from_document(doc), snapshot

    async def _save(self, uow: UnitOfWork, visit: Visit, snapshot: dict[str, Any]) -> None:
        doc = document(visit_to_proto(visit))
        await store.put_visit(uow, visit.id, visit.case_id, visit.status.value, doc, snapshot, uow.clock.now())

    async def _own(self, uow: UnitOfWork, principal: Principal, visit: Visit) -> None:
        """An engineer moves only their own visit; the desk, supervisors and admins any."""
        if principal.role is not Role.ENGINEER or not visit.engineer_id:
            return
        doc = await store.get_document(uow, engineers_table, visit.engineer_id)
        subject = (doc or {}).get("subject", visit.engineer_id)
        if principal.subject not in (subject, visit.engineer_id):
            raise PermissionDenied(f"visit {visit.id} is {visit.engineer_id}'s, not {principal.subject}'s")

    @staticmethod
    def _head(visit: Visit, snapshot: dict[str, Any], at: datetime, principal: Principal) -> dict[str, Any]:
        return event_head(visit.case_id, snapshot, at, actor_message(principal))
