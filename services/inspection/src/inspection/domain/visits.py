"""One inspection: scheduled on a working day, noticed, started (its checklist version pinned),
results recorded, completed; a visit never started in time becomes "missed"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from aftercare_platform.calendar.business import Calendar
from aftercare_platform.calendar.working_days import add_working_days
from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from inspection.domain.checklists import Checklist, ItemResult
from inspection.domain.plans import Mode, Plan
from inspection.domain.schedule import Occurrence, notice_day

# a phone's clock may run a little ahead of the server's
DEVICE_CLOCK_SKEW = timedelta(minutes=5)


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class VisitKind(StrEnum):
    ROUTINE = "routine"
    EMERGENCY = "emergency"
    PRE_EVENT = "pre_event"


@dataclass(frozen=True)
class DataSet:
    """A remote data set the customer uploaded (a monthly trace file); the content is kept apart."""

    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    by: str
    at: datetime


MAX_DATA_SET_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Visit:
    id: str
    plan_id: str
    company_id: str
    contract_id: str
    site_id: str
    region: str
    mode: Mode
    kind: VisitKind
    nominal_on: date
    scheduled_on: date
    notice_on: date | None  # None: no notice owed (remote)
    moved: str = ""
    status: VisitStatus = VisitStatus.SCHEDULED
    checklist_id: str = ""
    checklist_version: int = 0  # pinned when started
    notice_sent_at: datetime | None = None
    started_at: datetime | None = None
    started_by: str = ""
    performed_at: datetime | None = None  # when the engineer says it was done (device time)
    completed_at: datetime | None = None
    missed_at: datetime | None = None
    results: tuple[ItemResult, ...] = ()
    reason: str = ""  # why an emergency or brought-forward visit
    dispatch_visit_id: str = ""  # the field visit dispatch keeps for an on-site inspection
    dispatch_case_id: str = ""  # the work case that visit hangs on
    data_sets: tuple[DataSet, ...] = ()

    def result(self, item_id: str) -> ItemResult | None:
        return next((r for r in self.results if r.item_id == item_id), None)


def visit_id(plan_id: str, nominal: date) -> str:
    """The same occurrence of the same plan is one visit, however often the horizon is regenerated."""
    return f"{plan_id}:{nominal.isoformat()}"


def scheduled_visit(plan: Plan, occurrence: Occurrence, calendar: Calendar, *, kind: VisitKind = VisitKind.ROUTINE,
                    identifier: str | None = None, reason: str = "") -> Visit:
    notice = notice_day(calendar, occurrence.scheduled, plan.notice_working_days) \
        if plan.mode is Mode.ON_SITE else None
    return Visit(id=identifier or visit_id(plan.id, occurrence.nominal), plan_id=plan.id, company_id=plan.company_id,
                 contract_id=plan.contract_id, site_id=plan.site_id, region=plan.region, mode=plan.mode, kind=kind,
                 nominal_on=occurrence.nominal, scheduled_on=occurrence.scheduled, notice_on=notice,
                 moved=occurrence.moved, checklist_id=plan.checklist_id, reason=reason)


def notice_owed(visit: Visit, today: date) -> bool:
    return (visit.status is VisitStatus.SCHEDULED and visit.notice_on is not None and visit.notice_sent_at is None
            and visit.notice_on <= today)


def start(visit: Visit, checklist: Checklist | None, by: str, at: datetime) -> Visit:
    if visit.status is not VisitStatus.SCHEDULED:
        raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: only a scheduled one starts",
                                 visit_id=visit.id, status=visit.status.value)
    return replace(visit, status=VisitStatus.IN_PROGRESS, started_at=at, started_by=by,
                   checklist_id=checklist.id if checklist else "",
                   checklist_version=checklist.version if checklist else 0)


def receive_data(visit: Visit, data_set: DataSet) -> Visit:
    """A remote inspection's data arrives: the inspection is under way from then on (its analysis
    report's deadline counts from the first data set)."""
    if visit.mode is not Mode.REMOTE:
        raise FailedPrecondition(f"inspection {visit.id} is on site: data sets go with remote inspections")
    if visit.status not in (VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS):
        raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: it takes no more data")
    if not data_set.filename.strip() or "/" in data_set.filename or "\\" in data_set.filename:
        raise InvalidArgument.for_field("filename", "a plain file name")
    if data_set.size == 0:
        raise InvalidArgument.for_field("content", "empty")
    if data_set.size > MAX_DATA_SET_BYTES:
        raise InvalidArgument.for_field("content", f"at most {MAX_DATA_SET_BYTES} bytes")
    started = visit if visit.status is VisitStatus.IN_PROGRESS else replace(
        visit, status=VisitStatus.IN_PROGRESS, started_at=data_set.at, started_by=data_set.by)
    return replace(started, data_sets=(*visit.data_sets, data_set))


def record(visit: Visit, result: ItemResult) -> Visit:
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: results go on a started one",
                                 visit_id=visit.id, status=visit.status.value)
    kept = tuple(r for r in visit.results if r.item_id != result.item_id)
    return replace(visit, results=(*kept, result))


def complete(visit: Visit, checklist: Checklist | None, *, performed_at: datetime | None, at: datetime) -> Visit:
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: only a started one completes",
                                 visit_id=visit.id, status=visit.status.value)
    done_at = performed_at or at
    if done_at > at + DEVICE_CLOCK_SKEW:
        raise InvalidArgument.for_field("performed_at", "in the future")
    if visit.started_at is not None and done_at < visit.started_at - timedelta(days=7):
        raise InvalidArgument.for_field("performed_at", "more than a week before the inspection started")
    if checklist is not None:
        missing = [item.id for item in checklist.items if visit.result(item.id) is None]
        if missing:
            raise FailedPrecondition(f"inspection {visit.id} has no result for {', '.join(missing)}",
                                     visit_id=visit.id, missing=",".join(missing))
    return replace(visit, status=VisitStatus.COMPLETED, performed_at=done_at, completed_at=at)


def missed_after(calendar: Calendar, visit: Visit) -> date:
    """A visit not started by the end of the working day after its day is missed."""
    return add_working_days(calendar, visit.scheduled_on, 1)


def is_missed(calendar: Calendar, visit: Visit, today: date) -> bool:
    return visit.status is VisitStatus.SCHEDULED and today > missed_after(calendar, visit)


def mark_missed(visit: Visit, at: datetime) -> Visit:
    return replace(visit, status=VisitStatus.MISSED, missed_at=at)


def bring_forward(visit: Visit, calendar: Calendar, today: date, reason: str) -> Visit:
    """An urgent problem brings the next inspection forward: to the next working day from today."""
    if visit.status is not VisitStatus.SCHEDULED:
        raise FailedPrecondition(f"inspection {visit.id} is {visit.status.value}: only a scheduled one moves")
    if not reason.strip():
        raise InvalidArgument.for_field("reason", "say which urgent problem brings it forward")
    day = add_working_days(calendar, today, 1)
    if day >= visit.scheduled_on:
        return visit
    # an urgent visit is not announced 15 working days ahead: the customer is told now
    return replace(visit, scheduled_on=day, notice_on=today if visit.notice_on is not None else None,
                   notice_sent_at=None, moved=f"brought forward: {reason.strip()}", reason=reason.strip())
