"""Work that comes due with time, read from the clock and the database (durable: nothing is held in
memory): customers' notices 15 working days before on-site visits (with the dispatch visit owed),
visits never started becoming "missed", report warnings and breaches — never before their instant."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from aftercare_platform.db.unit_of_work import Database

from inspection.adapters import events, store
from inspection.domain import reports as report_rules
from inspection.domain import visits as visit_rules
from inspection.domain.plans import Mode
from inspection.domain.schedule import plan_calendar

VISIT_CASE = "visit_case"


class Ticker:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def run_once(self) -> dict[str, int]:
        return {"notices": await self.send_notices(), "missed": await self.mark_missed(),
                "reports": await self.flag_reports()}

    async def send_notices(self) -> int:
        """An on-site visit whose notice day has come: the customer is told (notify acts on the event)
        and the field visit is owed to dispatch."""
        sent = 0
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            # the earliest time zone's day: a visit is only picked when its own plan says its day has come
            for visit in await store.notices_owed(uow.connection, now.date() + timedelta(days=1)):
                found = await store.plan(uow.connection, visit.plan_id)
                if found is None:
                    continue
                plan = found[0]
                if not visit_rules.notice_owed(visit, plan_calendar(plan).local_date(now)):
                    continue
                visit = replace(visit, notice_sent_at=now)
                await store.save_visit(uow.connection, visit)
                uow.emit(events.NOTICE_DUE, subject=visit.id, region=visit.region,
                         data=events.notice_due(visit, plan, now))
                if visit.mode is Mode.ON_SITE:
                    await store.owe(uow.connection, key=f"{VISIT_CASE}:{visit.id}", kind=VISIT_CASE,
                                    subject_id=visit.id, payload={}, at=now)
                sent += 1
        return sent

    async def mark_missed(self) -> int:
        missed = 0
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            for visit in await store.possibly_missed(uow.connection, now.date()):
                found = await store.plan(uow.connection, visit.plan_id)
                if found is None:
                    continue
                calendar = plan_calendar(found[0])
                if not visit_rules.is_missed(calendar, visit, calendar.local_date(now)):
                    continue
                visit = visit_rules.mark_missed(visit, now)
                await store.save_visit(uow.connection, visit)
                uow.emit(events.MISSED, subject=visit.id, region=visit.region, data=events.missed(visit, now))
                missed += 1
        return missed

    async def flag_reports(self) -> int:
        flagged = 0
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            for report in await store.reports_to_flag(uow.connection, now):
                visit = await store.visit(uow.connection, report.visit_id)
                if visit is None:
                    continue
                if report_rules.breach_due(report, now):
                    report = replace(report, overdue_at=now)
                    uow.emit(events.REPORT_OVERDUE, subject=visit.id, region=visit.region,
                             data=events.report_overdue(visit, report, now))
                elif report_rules.warning_due(report, now):
                    report = replace(report, warned_at=now)
                    uow.emit(events.REPORT_DUE, subject=visit.id, region=visit.region,
                             data=events.report_due(visit, report, now))
                else:
                    # the warning time passed after the deadline itself: no late warning
                    report = replace(report, warned_at=report.warned_at or now)
                await store.save_report(uow.connection, report)
                flagged += 1
        return flagged
