"""An inspection's report: due N working days after the visit (or, for the monthly report, within the
next month's first week), a warning before, a breach after — never early — then the customer's sign-off."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from aftercare_platform.calendar.business import Calendar
from aftercare_platform.calendar.working_days import end_of_working_day, next_working_day, previous_working_day
from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from inspection.domain.findings import Finding
from inspection.domain.plans import Plan, ReportDue
from inspection.domain.schedule import last_day_of_first_week
from inspection.domain.visits import Visit


class ReportState(StrEnum):
    DUE = "due"
    SUBMITTED = "submitted"
    SIGNED_OFF = "signed_off"


@dataclass(frozen=True)
class Report:
    visit_id: str
    company_id: str
    region: str
    due_at: datetime
    warn_at: datetime
    state: ReportState = ReportState.DUE
    summary: str = ""
    warned_at: datetime | None = None
    overdue_at: datetime | None = None  # when the breach was raised
    submitted_at: datetime | None = None
    submitted_by: str = ""
    signed_off_at: datetime | None = None
    signed_off_by: str = ""

    @property
    def on_time(self) -> bool | None:
        """None while neither submitted nor late; otherwise whether it came by its deadline."""
        if self.submitted_at is not None:
            return self.submitted_at < self.due_at  # at the deadline itself it is breached
        return False if self.overdue_at is not None else None


def _working_day_length(calendar: Calendar) -> timedelta:
    day = next_working_day(calendar, date(2026, 1, 5))
    return sum((end - start for start, end in calendar.intervals_on(day)), timedelta())


def deadline(plan: Plan, calendar: Calendar, performed_at: datetime) -> tuple[datetime, datetime]:
    """(due, warn): working time after the visit, or the monthly report's first week of the next month."""
    if plan.report_due is ReportDue.FIRST_WEEK_NEXT_MONTH:
        local = calendar.local_date(performed_at)
        next_month = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        due_day = last_day_of_first_week(calendar, next_month)
        warn_day = previous_working_day(calendar, due_day - timedelta(days=1))
        return end_of_working_day(calendar, due_day), end_of_working_day(calendar, warn_day)
    if plan.report_working_days == 0:
        day = next_working_day(calendar, calendar.local_date(performed_at))
        due = end_of_working_day(calendar, day)
        return due, max(performed_at, due - timedelta(hours=1))
    allowed = _working_day_length(calendar) * plan.report_working_days
    lead = min(_working_day_length(calendar), allowed / 2)  # warn a working day before, at most half-way
    return calendar.add(performed_at, allowed), calendar.add(performed_at, allowed - lead)


def new_report(visit_id: str, company_id: str, region: str, due: tuple[datetime, datetime]) -> Report:
    return Report(visit_id, company_id, region, due_at=due[0], warn_at=due[1])


def warning_due(report: Report, now: datetime) -> bool:
    return report.state is ReportState.DUE and report.warned_at is None and report.warn_at <= now < report.due_at


def breach_due(report: Report, now: datetime) -> bool:
    """Never early: only once the deadline itself has passed, and only once."""
    return report.state is ReportState.DUE and report.overdue_at is None and report.due_at <= now


def submit(report: Report, summary: str, by: str, at: datetime) -> Report:
    if report.state is not ReportState.DUE:
        raise FailedPrecondition(f"the report of {report.visit_id} is already {report.state.value}")
    if not summary.strip():
        raise InvalidArgument.for_field("summary", "a report says what was found")
    return replace(report, state=ReportState.SUBMITTED, summary=summary.strip(), submitted_at=at, submitted_by=by)


def sign_off(report: Report, by: str, at: datetime) -> Report:
    if report.state is not ReportState.SUBMITTED:
        raise FailedPrecondition(f"the report of {report.visit_id} is {report.state.value}: only a submitted one "
                                 "is signed off")
    return replace(report, state=ReportState.SIGNED_OFF, signed_off_at=at, signed_off_by=by)


@dataclass(frozen=True)
class TrendPoint:
    visit_id: str
    day: date
    value: float


def trends(history: list[tuple[str, date, dict[str, float]]]) -> dict[str, list[TrendPoint]]:
    """Each measured item's values over earlier inspections, oldest first (what the report charts)."""
    series: dict[str, list[TrendPoint]] = {}
    for visit, day, values in sorted(history, key=lambda entry: entry[1]):
        for item_id, value in values.items():
            series.setdefault(item_id, []).append(TrendPoint(visit, day, value))
    return series


@dataclass(frozen=True)
class ReportDocument:
    """What a report shows: the inspection, its plan, results, findings and their cases, trends."""

    visit: Visit
    plan: Plan
    report: Report | None
    findings: list[Finding]
    trends: dict[str, list[TrendPoint]]
