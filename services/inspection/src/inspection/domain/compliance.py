"""PM compliance: of the inspections due in a period, which were done on time, done late, missed;
and whether their reports came by their deadlines. By customer, site and month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from aftercare_platform.errors import InvalidArgument

from inspection.domain.findings import Finding
from inspection.domain.reports import Report
from inspection.domain.visits import Visit, VisitStatus


@dataclass
class Tally:
    company_id: str
    site_id: str
    period: str  # "YYYY-MM"
    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    missed: int = 0
    reports_on_time: int = 0
    reports_late: int = 0


def compliance(visits: Iterable[Visit], reports: dict[str, Report], time_zone: str = "Asia/Shanghai") -> list[Tally]:
    """One tally per (company, site, month of the scheduled day); cancelled inspections are not due."""
    zone = ZoneInfo(time_zone)
    tallies: dict[tuple[str, str, str], Tally] = {}
    for visit in visits:
        if visit.status is VisitStatus.CANCELLED:
            continue
        key = (visit.company_id, visit.site_id, visit.scheduled_on.strftime("%Y-%m"))
        tally = tallies.setdefault(key, Tally(*key))
        tally.due += 1
        if visit.status is VisitStatus.MISSED:
            tally.missed += 1
        elif visit.status is VisitStatus.COMPLETED and visit.performed_at is not None:
            # done on its working day or before it counts as on time
            on_time = visit.performed_at.astimezone(zone).date() <= visit.scheduled_on
            tally.done_on_time += on_time
            tally.done_late += not on_time
        report = reports.get(visit.id)
        if report is not None and report.on_time is not None:
            tally.reports_on_time += report.on_time
            tally.reports_late += not report.on_time
    return [tallies[key] for key in sorted(tallies)]


@dataclass(frozen=True)
class Summary:
    """A quarterly or yearly (or monthly) summary of a customer's inspections."""

    company_id: str
    period: str
    start: date
    end: date
    tallies: tuple[Tally, ...]
    findings: int
    cases: tuple[str, ...]  # the case numbers findings opened


def period_bounds(period: str) -> tuple[date, date]:
    """"2026" (a year), "2026-Q1" (a quarter) or "2026-03" (a month): its first and last days."""
    text = period.strip().upper()
    try:
        if len(text) == 4:
            year = int(text)
            return date(year, 1, 1), date(year, 12, 31)
        year_text, _, part = text.partition("-")
        year = int(year_text)
        if part.startswith("Q") and part[1:] in ("1", "2", "3", "4"):
            first = (int(part[1:]) - 1) * 3 + 1
            return date(year, first, 1), _month_end(year, first + 2)
        month = int(part)
        return date(year, month, 1), _month_end(year, month)
    except ValueError:
        pass
    raise InvalidArgument.for_field("period", "a year (2026), a quarter (2026-Q1) or a month (2026-03)")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def summary(company_id: str, period: str, visits: list[Visit], reports: dict[str, Report],
            findings: list[Finding], time_zone: str = "Asia/Shanghai") -> Summary:
    start, end = period_bounds(period)
    return Summary(company_id, period.strip().upper(), start, end, tuple(compliance(visits, reports, time_zone)),
                   len(findings), tuple(sorted({f.case_number for f in findings if f.case_number})))
