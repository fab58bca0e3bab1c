"""Carrying an inspection out: start (the checklist version pinned), record results (a failed item or
one that needs work is a finding whose case is owed to intake in the same transaction), complete
(the report's deadline set), submit and sign the report off."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import FailedPrecondition, NotFound

from inspection.adapters import events, store
from inspection.domain import checklists as checklist_rules
from inspection.domain import findings as finding_rules
from inspection.domain import reports as report_rules
from inspection.domain import visits as visit_rules
from inspection.domain.checklists import Checklist
from inspection.domain.findings import Finding
from inspection.domain.plans import Anchoring, Mode
from inspection.domain.reports import Report
from inspection.domain.schedule import plan_calendar
from inspection.domain.visits import Visit, VisitStatus
from inspection.handlers.common import INSPECTORS, require, visit_for
from inspection.handlers.plans import schedule_plan

FINDING_CASE = "finding_case"


async def _pinned(uow: UnitOfWork, visit: Visit) -> Checklist | None:
    if not visit.checklist_id or not visit.checklist_version:
        return None
    return await store.checklist(uow.connection, visit.checklist_id, visit.checklist_version)


class ExecutionHandlers:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def start(self, principal: Principal, visit_id: str) -> Visit:
        require(principal, INSPECTORS, "carry out inspections")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id, for_update=True)
            latest = await store.latest_checklist(uow.connection, visit.checklist_id) if visit.checklist_id else None
            visit = visit_rules.start(visit, latest, principal.subject, uow.clock.now())
            await store.save_visit(uow.connection, visit)
        return visit

    async def record(self, principal: Principal, visit_id: str, item_id: str, *, passed: bool | None,
                     value: float | None, text: str, file_ref: str, needs_work: bool) -> tuple[Visit, Finding | None]:
        require(principal, INSPECTORS, "record inspection results")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id, for_update=True)
            checklist = await _pinned(uow, visit)
            if checklist is None:
                raise FailedPrecondition(f"inspection {visit_id} has no checklist to record against")
            now = uow.clock.now()
            result = checklist_rules.evaluate(checklist.item(item_id), passed=passed, value=value, text=text,
                                              file_ref=file_ref, needs_work=needs_work, by=principal.subject, at=now)
            visit = visit_rules.record(visit, result)
            await store.save_visit(uow.connection, visit)
            finding = None
            if result.is_finding:
                finding = await self._raise(uow, visit, result, now)
        return visit, finding

    async def _raise(self, uow: UnitOfWork, visit: Visit, result: checklist_rules.ItemResult,
                     now: datetime) -> Finding | None:
        """The finding kept and its case owed, both with the result: none is lost when intake is away."""
        finding = finding_rules.finding_for(result, visit_id=visit.id, company_id=visit.company_id,
                                            contract_id=visit.contract_id, site_id=visit.site_id,
                                            region=visit.region, at=now)
        if not await store.add_finding(uow.connection, finding):
            return await store.finding(uow.connection, finding.id)  # already raised for this item
        await store.owe(uow.connection, key=f"{FINDING_CASE}:{finding.id}", kind=FINDING_CASE, subject_id=finding.id,
                        payload={}, at=now)
        uow.emit(events.FINDING_RAISED, subject=visit.id, region=visit.region,
                 data=events.finding_raised(visit, finding, now))
        return finding

    async def complete(self, principal: Principal, visit_id: str,
                       performed_at: datetime | None) -> tuple[Visit, Report]:
        require(principal, INSPECTORS, "complete inspections")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id, for_update=True)
            found = await store.plan(uow.connection, visit.plan_id)
            if found is None:
                raise NotFound(f"the plan of inspection {visit_id} is gone")
            plan, _ = found
            now = uow.clock.now()
            visit = visit_rules.complete(visit, await _pinned(uow, visit), performed_at=performed_at, at=now)
            assert visit.performed_at is not None
            calendar = plan_calendar(plan)
            # a remote inspection's analysis report counts from its data set, when one came
            report = await store.report(uow.connection, visit.id) or report_rules.new_report(
                visit.id, visit.company_id, visit.region, report_rules.deadline(plan, calendar, visit.performed_at))
            await store.save_visit(uow.connection, visit)
            await store.save_report(uow.connection, report)
            done_on = calendar.local_date(visit.performed_at)
            await store.set_last_done(uow.connection, plan.id, done_on)
            findings = await store.findings_of(uow.connection, visit.id)
            uow.emit(events.COMPLETED, subject=visit.id, region=visit.region,
                     data=events.completed(visit, report, len(findings), now))
            if plan.anchoring is Anchoring.FLOATING:
                await schedule_plan(uow, plan, done_on)  # the next one counts from today's
        return visit, report

    async def upload_data_set(self, principal: Principal, visit_id: str, *, filename: str, content_type: str,
                              content: bytes) -> tuple[Visit, Report]:
        """The customer's remote data set: kept, the inspection under way, its analysis report due
        `report_working_days` working days from now (the first data set starts that clock)."""
        require(principal, (Role.CUSTOMER, *INSPECTORS), "upload data sets")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id, for_update=True)
            found = await store.plan(uow.connection, visit.plan_id)
            if found is None:
                raise NotFound(f"the plan of inspection {visit_id} is gone")
            now = uow.clock.now()
            data_set = visit_rules.DataSet(str(uuid.uuid4()), filename.strip(), content_type.strip() or
                                           "application/octet-stream", len(content),
                                           hashlib.sha256(content).hexdigest(), principal.subject, now)
            if visit.status is VisitStatus.SCHEDULED and visit.mode is Mode.REMOTE:
                latest = (await store.latest_checklist(uow.connection, visit.checklist_id)
                          if visit.checklist_id else None)
                visit = visit_rules.start(visit, latest, principal.subject, now)
            visit = visit_rules.receive_data(visit, data_set)
            await store.add_data_set(uow.connection, data_set.id, visit.id, data_set.content_type, content)
            await store.save_visit(uow.connection, visit)
            report = await store.report(uow.connection, visit.id)
            if report is None:
                report = report_rules.new_report(visit.id, visit.company_id, visit.region,
                                                 report_rules.deadline(found[0], plan_calendar(found[0]), now))
                await store.save_report(uow.connection, report)
        return visit, report

    async def submit_report(self, principal: Principal, visit_id: str, summary: str) -> Report:
        require(principal, INSPECTORS, "submit inspection reports")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id)
            report = await self._report(uow, visit)
            report = report_rules.submit(report, summary, principal.subject, uow.clock.now())
            await store.save_report(uow.connection, report)
            uow.emit(events.REPORTED, subject=visit.id, region=visit.region,
                     data=events.reported(visit, report, uow.clock.now()))
        return report

    async def sign_off(self, principal: Principal, visit_id: str) -> Report:
        """The customer (of that company) signs off; staff may record a sign-off given on paper."""
        require(principal, (Role.CUSTOMER, *INSPECTORS), "sign reports off")
        async with self._db.unit_of_work() as uow:
            visit = await visit_for(uow, principal, visit_id)
            ensure_access(principal, visit.company_id, visit.region, resource="inspection")
            report = report_rules.sign_off(await self._report(uow, visit), principal.subject, uow.clock.now())
            await store.save_report(uow.connection, report)
            uow.emit(events.REPORT_SIGNED_OFF, subject=visit.id, region=visit.region,
                     data=events.report_signed_off(visit, report, uow.clock.now()))
        return report

    @staticmethod
    async def _report(uow: UnitOfWork, visit: Visit) -> Report:
        report = await store.report(uow.connection, visit.id)
        if report is None:
            raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: no report yet")
        return report

