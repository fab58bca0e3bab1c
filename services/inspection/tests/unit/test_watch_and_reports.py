"""Special-event watch (3 weeks' notice, on site 3 days before, pre-event inspection, duty roster and
log) and the monthly report's deadline in the first week of the next month."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument, NotFound
from inspection.adapters import report_render
from inspection.domain.plans import PRESETS, ReportDue
from inspection.domain.reports import deadline
from inspection.domain.schedule import plan_calendar

from .conftest import ACME, AGENT, ENGINEER, OTHER, Kit, quarterly


def watch_args(**changes: object) -> dict[str, object]:
    args: dict[str, object] = dict(company_id="ACME", contract_id="ACME-C1", region="east",
                                   event_name="Year-end closing", starts_on=date(2026, 1, 26),
                                   ends_on=date(2026, 1, 30), sites=("S1",), systems=("billing",),
                                   engineer_ids=("eng-1", "eng-2"), notice_days=0, on_site_days_before=0)
    return {**args, **changes}


async def test_a_watch_asked_three_weeks_ahead_is_accepted_with_its_pre_event_inspection_and_roster(kit: Kit) -> None:
    watch = await kit.watches.request(ACME, **watch_args())  # type: ignore[arg-type]
    assert watch.on_site_from == date(2026, 1, 23)
    pre, _ = await kit.reads.visit(ACME, watch.pre_event_visit_id)
    assert (pre.kind.value, pre.scheduled_on) == ("pre_event", date(2026, 1, 22))
    assert sorted(await kit.types()) == ["inspection.scheduled", "watch.requested"]
    assert await kit.deliveries.run_once() == 1
    (roster,) = kit.dispatch.rosters
    assert roster["engineer_ids"] == ("eng-1", "eng-2") and roster["start_local"] == "2026-01-23T08:00:00"
    assert (await kit.reads.watch(ACME, watch.id)).roster_id == f"watch-{watch.id}"
    logged = await kit.watches.log_duty(ENGINEER, watch.id, date(2026, 1, 26), "All quiet on day one")
    assert [e.text for e in logged.duty_log] == ["All quiet on day one"]
    with pytest.raises(InvalidArgument, match=r"^day:"):
        await kit.watches.log_duty(ENGINEER, watch.id, date(2026, 2, 20), "after it ended")
    with pytest.raises(NotFound):
        await kit.reads.watch(OTHER, watch.id)
    page = report_render.watch_html(*await kit.reads.watch_with_pre_event(ACME, watch.id))
    assert "Year-end closing" in page and "All quiet on day one" in page and f"watch-{watch.id}" in page
    assert "2026-01-22: scheduled" in page


async def test_a_watch_asked_later_than_the_contracts_notice_is_refused_with_the_reason(kit: Kit) -> None:
    with pytest.raises(FailedPrecondition, match="21 days ahead \\(by 2026-01-04\\)"):
        await kit.watches.request(ACME, **watch_args(starts_on=date(2026, 1, 25)))  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"not found|may not"):
        await kit.watches.request(OTHER, **watch_args())  # type: ignore[arg-type]
    accepted = await kit.watches.request(AGENT, **watch_args(starts_on=date(2026, 1, 15), ends_on=date(2026, 1, 16),
                                                            notice_days=7))  # type: ignore[arg-type]
    assert accepted.on_site_from == date(2026, 1, 12)


def test_the_monthly_report_is_due_by_the_end_of_the_next_months_first_week() -> None:
    monthly = replace(quarterly(), rule=PRESETS["first_week_next_month"], report_due=ReportDue.FIRST_WEEK_NEXT_MONTH)
    calendar = plan_calendar(monthly)
    due, warn = deadline(monthly, calendar, datetime(2026, 9, 14, 3, tzinfo=UTC))
    # the first week of October is National Day: due at the end of Thursday 8 October, 18:00 in Shanghai
    assert due == datetime(2026, 10, 8, 10, tzinfo=UTC) and warn < due
    due, _ = deadline(monthly, calendar, datetime(2026, 2, 27, 3, tzinfo=UTC))
    assert due == datetime(2026, 3, 6, 10, tzinfo=UTC)
    same_day = replace(quarterly(), report_working_days=0)
    due, warn = deadline(same_day, calendar, datetime(2026, 2, 2, 2, tzinfo=UTC))
    assert due == datetime(2026, 2, 2, 10, tzinfo=UTC) and warn == due - timedelta(hours=1)
