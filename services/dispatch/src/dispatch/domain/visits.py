"""Field visits: requested (the on-site clock starts), planned, en route, checked in on site (the
on-site clock stops at the device's own time, even when a phone that was offline sends it late),
a work log and the customer's signed approvals on site (a restart or reinstall needs one first,
plan 002 §3.1.4), checked out with the fault-handling report and the parts used.

A check-in for a visit never planned, a check-out before the check-in, a visit for a closed case:
clear errors, each naming what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition, InvalidArgument

# a phone's clock may run a little ahead of the server's; more than this is not a real check-in time
DEVICE_CLOCK_SKEW = timedelta(minutes=5)
CLOSED_CASE_STATUSES = frozenset({"resolved", "closed", "cancelled"})
# what an engineer does on site only with the customer's signed approval (plan 002 §3.1.4)
NEEDS_APPROVAL = frozenset({"restart", "reinstall"})
TEXT_MAX = 4000


class VisitStatus(StrEnum):
    REQUESTED = "requested"
    PLANNED = "planned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    CHECKED_OUT = "checked_out"


@dataclass(frozen=True)
class WorkEntry:
    at: datetime
    text: str
    action: str = ""


@dataclass(frozen=True)
class Approval:
    action: str
    signed_by: str
    at: datetime


@dataclass(frozen=True)
class Visit:
    id: str
    case_id: str
    site: str
    reason: str
    requested_at: datetime
    status: VisitStatus = VisitStatus.REQUESTED
    engineer_id: str = ""
    planned_for: datetime | None = None
    parts: tuple[str, ...] = ()
    en_route_at: datetime | None = None
    checked_in_at: datetime | None = None  # the device's own time
    check_in_received_at: datetime | None = None  # when the server heard of it
    checked_out_at: datetime | None = None
    report: str = ""
    work_log: tuple[WorkEntry, ...] = ()
    approvals: tuple[Approval, ...] = ()
    parts_used: tuple[str, ...] = ()
    # attached when planned: the customer's file and the device's earlier cases
    customer_company_id: str = ""
    device_serial: str = ""
    device_history: tuple[str, ...] = ()


def request_visit(*, visit_id: str, case_id: str, case_status: str, site: str, reason: str, at: datetime) -> Visit:
    if case_status in CLOSED_CASE_STATUSES:
        raise FailedPrecondition(f"case {case_id} is {case_status}: no visit for a case that is no longer open",
                                 case_id=case_id, status=case_status)
    if not reason.strip():
        raise InvalidArgument.for_field("reason", "say why someone must go on site")
    return Visit(visit_id, case_id, site.strip(), reason.strip(), at)


def attach_file(visit: Visit, *, company_id: str, serial: str, history: tuple[str, ...]) -> Visit:
    """What the engineer takes along: the customer's file and the device's earlier cases."""
    return replace(visit, customer_company_id=company_id, device_serial=serial, device_history=history)


def plan_visit(visit: Visit, *, engineer_id: str, planned_for: datetime, parts: tuple[str, ...]) -> Visit:
    if visit.status not in (VisitStatus.REQUESTED, VisitStatus.PLANNED):
        raise FailedPrecondition(f"visit {visit.id} is {visit.status.value}: it can no longer be planned")
    if not engineer_id.strip():
        raise InvalidArgument.for_field("engineer_id", "a planned visit names who goes")
    return replace(visit, status=VisitStatus.PLANNED, engineer_id=engineer_id.strip(), planned_for=planned_for,
                   parts=parts)


def start_travel(visit: Visit, at: datetime) -> Visit:
    if visit.status is not VisitStatus.PLANNED:
        raise FailedPrecondition(f"visit {visit.id} is {visit.status.value}: only a planned visit sets off")
    return replace(visit, status=VisitStatus.EN_ROUTE, en_route_at=at)


def check_in(visit: Visit, *, device_time: datetime, received_at: datetime) -> Visit:
    """On site at `device_time` (the phone's own clock), however late the server hears of it."""
    if visit.status is VisitStatus.REQUESTED:
        raise FailedPrecondition(f"visit {visit.id} was never planned: plan it (who, when) before checking in")
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.EN_ROUTE):
        raise FailedPrecondition(f"visit {visit.id} is {visit.status.value}: already checked in")
    if device_time < visit.requested_at:
        raise InvalidArgument.for_field("occurred_at", "the check-in is before the visit was requested")
    if device_time > received_at + DEVICE_CLOCK_SKEW:
        raise InvalidArgument.for_field("occurred_at", "the check-in is in the future")
    return replace(visit, status=VisitStatus.ON_SITE, checked_in_at=device_time, check_in_received_at=received_at)


def _on_site(visit: Visit, what: str) -> None:
    if visit.status is not VisitStatus.ON_SITE:
        raise FailedPrecondition(f"visit {visit.id} is {visit.status.value}: {what} only on site, after the check-in")


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument.for_field(field, "is required")
    if len(text) > TEXT_MAX:
        raise InvalidArgument.for_field(field, f"at most {TEXT_MAX} characters")
    return text


def approve(visit: Visit, *, action: str, signed_by: str, at: datetime) -> Visit:
    """The customer signs an approval for an action on site."""
    _on_site(visit, "the customer signs approvals")
    approval = Approval(_text(action, "action").lower(), _text(signed_by, "signed_by"), at)
    return replace(visit, approvals=(*visit.approvals, approval))


def record_work(visit: Visit, *, text: str, action: str, at: datetime) -> Visit:
    """A work-log entry; a restart or reinstall is refused until the customer approved that action."""
    _on_site(visit, "work is logged")
    done = action.strip().lower()
    if done in NEEDS_APPROVAL and not any(a.action == done for a in visit.approvals):
        raise FailedPrecondition(f"a {done} needs the customer's signed approval first (plan 002 §3.1.4)")
    return replace(visit, work_log=(*visit.work_log, WorkEntry(at, _text(text, "text"), done)))


def check_out(visit: Visit, *, at: datetime, report: str, parts_used: tuple[str, ...] = ()) -> Visit:
    if visit.status is not VisitStatus.ON_SITE:
        why = "check in first" if visit.status is not VisitStatus.CHECKED_OUT else "already checked out"
        raise FailedPrecondition(f"visit {visit.id} is {visit.status.value}: {why}")
    if not report.strip():
        raise InvalidArgument.for_field("report", "the fault-handling report is handed over at check-out")
    used = tuple(p.strip() for p in parts_used if p.strip())
    return replace(visit, status=VisitStatus.CHECKED_OUT, checked_out_at=at, report=report.strip(), parts_used=used)
