"""Special-event watch: accepted only when asked early enough, with a pre-event inspection on the
working day before the team goes on site, the duty roster owed to dispatch, and a daily duty log."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.calendar.working_days import add_working_days, china_working_days
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import NotFound

from inspection.adapters import events, store
from inspection.domain import watch as watch_rules
from inspection.domain.plans import Mode
from inspection.domain.visits import Visit, VisitKind
from inspection.domain.watch import Watch
from inspection.handlers.common import INSPECTORS, PLANNERS, require

WATCH_ROSTER = "watch_roster"


class WatchHandlers:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def request(self, principal: Principal, *, company_id: str, contract_id: str, region: str,
                      event_name: str, starts_on: date, ends_on: date, sites: tuple[str, ...],
                      systems: tuple[str, ...], engineer_ids: tuple[str, ...], notice_days: int,
                      on_site_days_before: int) -> Watch:
        """A customer asks for its own company; staff for any."""
        require(principal, (Role.CUSTOMER, *PLANNERS), "request a watch")
        ensure_access(principal, company_id, region, resource="company", conceal=False)
        calendar = china_working_days()
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            watch = watch_rules.request_watch(
                watch_id=str(uuid.uuid4()), company_id=company_id, contract_id=contract_id, region=region,
                event_name=event_name, starts_on=starts_on, ends_on=ends_on, sites=sites, systems=systems,
                engineer_ids=engineer_ids, today=calendar.local_date(now), at=now, by=principal.subject,
                notice_days=notice_days or watch_rules.DEFAULT_NOTICE_DAYS,
                on_site_days_before=on_site_days_before or watch_rules.DEFAULT_ON_SITE_DAYS_BEFORE)
            # the pre-event inspection: the working day before the team goes on site
            day = add_working_days(calendar, watch.on_site_from, -1)
            pre_event = Visit(id=f"watch-{watch.id}:pre", plan_id=f"watch-{watch.id}", company_id=watch.company_id,
                              contract_id=watch.contract_id, site_id=watch.sites[0], region=watch.region,
                              mode=Mode.ON_SITE, kind=VisitKind.PRE_EVENT, nominal_on=day, scheduled_on=day,
                              notice_on=None, reason=f"pre-event inspection for {watch.event_name}")
            watch = replace(watch, pre_event_visit_id=pre_event.id)
            await store.add_visit(uow.connection, pre_event)
            await store.save_watch(uow.connection, watch)
            if watch.engineer_ids:
                await store.owe(uow.connection, key=f"{WATCH_ROSTER}:{watch.id}", kind=WATCH_ROSTER,
                                subject_id=watch.id, payload={}, at=now)
            uow.emit(events.SCHEDULED, subject=pre_event.id, region=watch.region,
                     data=events.scheduled(pre_event, now))
            uow.emit(events.WATCH_REQUESTED, subject=watch.id, region=watch.region,
                     data=events.watch_requested(watch, now))
        return watch

    async def log_duty(self, principal: Principal, watch_id: str, day: date, text: str) -> Watch:
        require(principal, INSPECTORS, "keep the duty log")
        async with self._db.unit_of_work() as uow:
            watch = await store.watch(uow.connection, watch_id)
            if watch is None:
                raise NotFound(f"no watch {watch_id!r}")
            ensure_access(principal, watch.company_id, watch.region, resource="watch")
            watch = watch_rules.log_duty(watch, day=day, text=text, by=principal.subject, at=uow.clock.now())
            await store.save_watch(uow.connection, watch)
            uow.emit(events.WATCH_DUTY_LOGGED, subject=watch.id, region=watch.region,
                     data=events.watch_duty_logged(watch, watch.duty_log[-1], uow.clock.now()))
        return watch
