"""Read-only queries, each within what the caller may see: a customer its own company's plans,
inspections, reports and watches; another company's look absent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aftercare_platform.auth.access import ensure_access, scope_of
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound

from inspection.adapters import store
from inspection.adapters.scope import listed_companies
from inspection.domain import compliance as compliance_rules
from inspection.domain import reports as report_rules
from inspection.domain.checklists import Checklist
from inspection.domain.findings import Finding
from inspection.domain.plans import Plan
from inspection.domain.reports import Report, ReportDocument
from inspection.domain.schedule import Occurrence, notice_day, plan_calendar, upcoming
from inspection.domain.visits import Visit, VisitStatus
from inspection.domain.watch import Watch


class InspectionReads:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def plan(self, principal: Principal, plan_id: str) -> Plan:
        async with self._db.reading() as connection:
            found = await store.plan(connection, plan_id)
        if found is None:
            raise NotFound(f"no plan {plan_id!r}", plan_id=plan_id)
        ensure_access(principal, found[0].company_id, found[0].region, resource="plan")
        return found[0]

    async def plans(self, principal: Principal, company_id: str = "") -> list[Plan]:
        async with self._db.reading() as connection:
            found = await store.plans(connection, listed_companies(principal, company_id))
        return [plan for plan in found if scope_of(principal).allows(plan.company_id, plan.region)]

    async def preview(self, principal: Principal, plan_id: str, start: date,
                      until: date) -> list[tuple[Occurrence, date | None]]:
        if until < start or (until - start).days > 3 * 366:
            raise InvalidArgument.for_field("until_day", "after from_day, at most three years on")
        plan = await self.plan(principal, plan_id)
        calendar = plan_calendar(plan)
        ahead = upcoming(replace(plan, horizon_days=max(1, (until - start).days)), calendar, start, None)
        return [(o, notice_day(calendar, o.scheduled, plan.notice_working_days) if plan.mode.value == "on_site"
                 else None) for o in ahead if o.scheduled <= until]

    async def visit(self, principal: Principal, visit_id: str) -> tuple[Visit, list[Finding]]:
        async with self._db.reading() as connection:
            found = await store.visit(connection, visit_id)
            if found is None:
                raise NotFound(f"no inspection {visit_id!r}", inspection_id=visit_id)
            ensure_access(principal, found.company_id, found.region, resource="inspection")
            return found, await store.findings_of(connection, visit_id)

    async def visits(self, principal: Principal, *, company_id: str = "", plan_id: str = "",
                     status: str = "") -> list[Visit]:
        async with self._db.reading() as connection:
            found = await store.visits(connection, companies=listed_companies(principal, company_id),
                                       plan_id=plan_id, status=status)
        return [visit for visit in found if scope_of(principal).allows(visit.company_id, visit.region)]

    async def report(self, principal: Principal, visit_id: str) -> Report:
        await self.visit(principal, visit_id)
        async with self._db.reading() as connection:
            found = await store.report(connection, visit_id)
        if found is None:
            raise NotFound(f"inspection {visit_id} has no report yet", inspection_id=visit_id)
        return found

    async def checklist(self, checklist_id: str, version: int) -> Checklist:
        async with self._db.reading() as connection:
            found = await (store.checklist(connection, checklist_id, version) if version
                           else store.latest_checklist(connection, checklist_id))
        if found is None:
            raise NotFound(f"no checklist {checklist_id!r}" + (f" version {version}" if version else ""))
        return found

    async def watch(self, principal: Principal, watch_id: str) -> Watch:
        async with self._db.reading() as connection:
            found = await store.watch(connection, watch_id)
        if found is None:
            raise NotFound(f"no watch {watch_id!r}")
        ensure_access(principal, found.company_id, found.region, resource="watch")
        return found

    async def watch_with_pre_event(self, principal: Principal, watch_id: str) -> tuple[Watch, Visit]:
        watch = await self.watch(principal, watch_id)
        pre_event, _ = await self.visit(principal, watch.pre_event_visit_id)
        return watch, pre_event

    async def document(self, principal: Principal, visit_id: str) -> ReportDocument:
        visit, findings = await self.visit(principal, visit_id)
        async with self._db.reading() as connection:
            found = await store.plan(connection, visit.plan_id)
            if found is None:
                raise NotFound(f"the plan of inspection {visit_id} is gone")
            report = await store.report(connection, visit_id)
            earlier = await store.visits(connection, plan_id=visit.plan_id, status=VisitStatus.COMPLETED.value)
        history = [(v.id, v.scheduled_on, {r.item_id: r.value for r in v.results if r.value is not None})
                   for v in earlier if v.scheduled_on <= visit.scheduled_on]
        return ReportDocument(visit, found[0], report, findings, report_rules.trends(history))

    async def compliance(self, principal: Principal, company_id: str, start: date,
                         until: date) -> list[compliance_rules.Tally]:
        if until < start:
            raise InvalidArgument.for_field("until_day", "before from_day")
        async with self._db.reading() as connection:
            found = await store.visits(connection, companies=listed_companies(principal, company_id),
                                       scheduled_from=start, scheduled_until=until, limit=10_000)
            found = [v for v in found if scope_of(principal).allows(v.company_id, v.region)]
            reports = await store.reports_of(connection, [v.id for v in found])
        return compliance_rules.compliance(found, reports)

    async def summary(self, principal: Principal, company_id: str, period: str) -> compliance_rules.Summary:
        """A customer's quarterly or yearly summary: inspections due, done, missed, reports on time,
        findings and the cases they opened."""
        if not company_id.strip():
            raise InvalidArgument.for_field("company_id", "a summary is of one company")
        start, end = compliance_rules.period_bounds(period)
        ensure_access(principal, company_id, None, resource="company")
        async with self._db.reading() as connection:
            found = await store.visits(connection, companies=[company_id], scheduled_from=start,
                                       scheduled_until=end, limit=10_000)
            found = [v for v in found if scope_of(principal).allows(v.company_id, v.region)]
            reports = await store.reports_of(connection, [v.id for v in found])
            findings = await store.findings_of_visits(connection, [v.id for v in found])
        return compliance_rules.summary(company_id, period, found, reports, findings)

    async def deliveries_pending(self) -> dict[tuple[tuple[str, str], ...], float]:
        """The gauge of calls owed to intake and dispatch (growing: one of them is down or slow)."""
        async with self._db.reading() as connection:
            return {(): float(await store.deliveries_pending(connection))}
