"""The events inspection emits: their types and payloads (messages of inspection/v1/events.proto)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.inspection.v1 import events_pb2 as ev
from google.protobuf.timestamp_pb2 import Timestamp

from inspection.domain.findings import Finding
from inspection.domain.plans import Plan
from inspection.domain.reports import Report
from inspection.domain.visits import Visit
from inspection.domain.watch import DutyLogEntry, Watch

SCHEDULED = "aftercare.inspection.scheduled.v1"
NOTICE_DUE = "aftercare.inspection.notice_due.v1"
COMPLETED = "aftercare.inspection.completed.v1"
MISSED = "aftercare.inspection.missed.v1"
FINDING_RAISED = "aftercare.inspection.finding_raised.v1"
REPORT_DUE = "aftercare.inspection.report_due.v1"
REPORT_OVERDUE = "aftercare.inspection.report_overdue.v1"
REPORT_SIGNED_OFF = "aftercare.inspection.report_signed_off.v1"
REPORTED = "aftercare.inspection.reported.v1"
WATCH_REQUESTED = "aftercare.watch.requested.v1"
WATCH_DUTY_LOGGED = "aftercare.watch.duty_logged.v1"


def timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def _head(visit: Visit, now: datetime) -> dict[str, Any]:
    return {"visit_id": visit.id, "plan_id": visit.plan_id, "company_id": visit.company_id,
            "contract_id": visit.contract_id, "site_id": visit.site_id, "region": visit.region,
            "mode": visit.mode.value, "scheduled_on": visit.scheduled_on.isoformat(), "occurred_at": timestamp(now),
            "kind": visit.kind.value}


def scheduled(visit: Visit, now: datetime) -> ev.InspectionScheduled:
    return ev.InspectionScheduled(**_head(visit, now), nominal_on=visit.nominal_on.isoformat(), moved=visit.moved,
                                  notice_on=visit.notice_on.isoformat() if visit.notice_on else "")


def notice_due(visit: Visit, plan: Plan, now: datetime) -> ev.InspectionNoticeDue:
    return ev.InspectionNoticeDue(**_head(visit, now), notice_working_days=plan.notice_working_days,
                                  plan_title=plan.title)


def completed(visit: Visit, report: Report, findings: int, now: datetime) -> ev.InspectionCompleted:
    assert visit.performed_at is not None
    return ev.InspectionCompleted(**_head(visit, now), performed_time=timestamp(visit.performed_at),
                                  report_due_time=timestamp(report.due_at), findings=findings,
                                  checklist_id=visit.checklist_id, checklist_version=visit.checklist_version)


def missed(visit: Visit, now: datetime) -> ev.InspectionMissed:
    return ev.InspectionMissed(**_head(visit, now))


def finding_raised(visit: Visit, finding: Finding, now: datetime) -> ev.FindingRaised:
    return ev.FindingRaised(**_head(visit, now), finding_id=finding.id, item_id=finding.item_id,
                            summary=finding.summary)


def report_due(visit: Visit, report: Report, now: datetime) -> ev.ReportDue:
    return ev.ReportDue(**_head(visit, now), due_time=timestamp(report.due_at))


def report_overdue(visit: Visit, report: Report, now: datetime) -> ev.ReportOverdue:
    return ev.ReportOverdue(**_head(visit, now), due_time=timestamp(report.due_at))


def reported(visit: Visit, report: Report, now: datetime) -> ev.InspectionReported:
    return ev.InspectionReported(**_head(visit, now), due_time=timestamp(report.due_at),
                                 on_time=bool(report.on_time), summary=report.summary)


def report_signed_off(visit: Visit, report: Report, now: datetime) -> ev.ReportSignedOff:
    return ev.ReportSignedOff(**_head(visit, now), signed_off_by=report.signed_off_by)


def _watch_head(watch: Watch, now: datetime) -> dict[str, Any]:
    return {"watch_id": watch.id, "company_id": watch.company_id, "contract_id": watch.contract_id,
            "region": watch.region, "occurred_at": timestamp(now)}


def watch_requested(watch: Watch, now: datetime) -> ev.WatchRequested:
    return ev.WatchRequested(**_watch_head(watch, now), event_name=watch.event_name,
                             starts_on=watch.starts_on.isoformat(), ends_on=watch.ends_on.isoformat(),
                             on_site_from=watch.on_site_from.isoformat(), sites=list(watch.sites),
                             systems=list(watch.systems), pre_event_visit_id=watch.pre_event_visit_id)


def watch_duty_logged(watch: Watch, entry: DutyLogEntry, now: datetime) -> ev.WatchDutyLogged:
    return ev.WatchDutyLogged(**_watch_head(watch, now), day=entry.day.isoformat(), text=entry.text, by=entry.by)
