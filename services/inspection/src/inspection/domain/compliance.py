"""PM compliance: of the inspections due in a period, which were done on time, done late, missed;
and whether their reports came by their deadlines. By customer, site and month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
