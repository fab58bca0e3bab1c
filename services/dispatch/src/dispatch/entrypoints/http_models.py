"""Typed REST bodies and answers for visits, loaners, RMAs, stock and the original vendor: values in
their one spelling (`requested`, `on_site`, `shipped_to_vendor`), times in RFC 3339."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dispatch.domain.loaners import Loaner, LoanerStatus
from dispatch.domain.rma import Rma, RmaStep
from dispatch.domain.stock import Move, MoveKind, StockLevel
from dispatch.domain.vendor import VendorEngagement
from dispatch.domain.visits import Visit, VisitStatus


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL: refused as bad input naming the field, never a 500
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("must not contain NUL characters")
        return value


def _request_id() -> Any:
    return Field(default="", max_length=200, description=(
        "Optional idempotency key: a repeated key answers what it first made (same case), nothing new"))


class VisitRequestBody(Body):
    case_id: str
    site: str = Field(default="", description="Empty: the case's asset site")
    reason: str = ""
    request_id: str = _request_id()


class VisitPlanBody(Body):
    engineer_id: str = Field(default="", description="Empty: routing picks from the region's field team")
    planned_at: datetime
    parts: list[str] = Field(default_factory=list, description="Parts to bring")


class CheckInBody(Body):
    occurred_at: datetime = Field(description="The device's own time of arrival (it may reach the server late)")


class CheckOutBody(Body):
    report: str = Field(description="The fault-handling report handed over")
    parts_used: list[str] = Field(default_factory=list)


class VisitWorkBody(Body):
    text: str
    action: str = Field(default="", description="restart or reinstall need the customer's approval first")


class ApprovalBody(Body):
    action: str
    signed_by: str = Field(description="The customer's name as signed")


class LoanerIssueBody(Body):
    case_id: str
    serial_number: str
    device_class: int = Field(ge=0, description="Higher is better; at least the faulty device's class")
    faulty_class: int = Field(ge=0)
    repair_started_at: datetime
    due_back: datetime | None = None
    manufacturer: str = ""
    site: str = ""
    request_id: str = _request_id()


class RmaRequestBody(Body):
    case_id: str
    serial_number: str = Field(default="", description="Empty: the case's asset serial")
    manufacturer: str = ""
    reason: str = ""


class RmaAdvanceBody(Body):
    step: RmaStep
    repairer: str = ""
    note: str = ""


class StockMoveBody(Body):
    kind: MoveKind = Field(description="receive, reserve, release, issue, consume or return_defective")
    part: str
    quantity: int = Field(gt=0, le=1_000_000)
    case_id: str = ""
    note: str = ""


class StockTransferBody(Body):
    to_depot: str
    part: str
    quantity: int = Field(gt=0, le=1_000_000)
    case_id: str = ""


class StockMinimumBody(Body):
    minimum: int = Field(ge=0, le=1_000_000)


class VendorEngageBody(Body):
    vendor_contact_id: str = Field(default="", description="Empty: the manufacturer's vendor team names one")
    vendor_ticket: str = Field(description="The vendor's own ticket number")
    promised_response_seconds: int = Field(gt=0, le=365 * 86400, description="The vendor's promised answer")
    reason: str


class VendorResponseBody(Body):
    response: str
    responded_at: datetime | None = None


class WorkEntryOut(BaseModel):
    at: datetime
    text: str
    action: str


class ApprovalOut(BaseModel):
    action: str
    signed_by: str
    at: datetime


class VisitOut(BaseModel):
    visit_id: str
    case_id: str
    site: str
    reason: str
    status: VisitStatus
    engineer_id: str
    requested_at: datetime
    planned_for: datetime | None
    parts: list[str]
    en_route_at: datetime | None
    checked_in_at: datetime | None = Field(description="The device's own time")
    check_in_received_at: datetime | None = Field(description="When the server heard of it")
    checked_out_at: datetime | None
    report: str
    work_log: list[WorkEntryOut]
    approvals: list[ApprovalOut]
    parts_used: list[str]
    customer_company_id: str = Field(description="The customer's file, attached when planned")
    device_serial: str
    device_history: list[str] = Field(description='Earlier cases of the device: "<number> <status>: <description>"')

    @classmethod
    def of(cls, v: Visit) -> VisitOut:
        return cls(visit_id=v.id, case_id=v.case_id, site=v.site, reason=v.reason, status=v.status,
                   engineer_id=v.engineer_id, requested_at=v.requested_at, planned_for=v.planned_for,
                   parts=list(v.parts), en_route_at=v.en_route_at, checked_in_at=v.checked_in_at,
                   check_in_received_at=v.check_in_received_at, checked_out_at=v.checked_out_at, report=v.report,
                   work_log=[WorkEntryOut(at=w.at, text=w.text, action=w.action) for w in v.work_log],
                   approvals=[ApprovalOut(action=a.action, signed_by=a.signed_by, at=a.at) for a in v.approvals],
                   parts_used=list(v.parts_used), customer_company_id=v.customer_company_id,
                   device_serial=v.device_serial, device_history=list(v.device_history))


class LoanerOut(BaseModel):
    loaner_id: str
    case_id: str
    serial_number: str
    device_class: int
    status: LoanerStatus
    repair_started_at: datetime
    issued_at: datetime
    due_back: datetime
    transfer_due_at: datetime = Field(description="Three months into the repair it passes to the customer")
    closed_at: datetime | None

    @classmethod
    def of(cls, x: Loaner) -> LoanerOut:
        return cls(loaner_id=x.id, case_id=x.case_id, serial_number=x.serial_number, device_class=x.device_class,
                   status=x.status, repair_started_at=x.repair_started_at, issued_at=x.issued_at,
                   due_back=x.due_back, transfer_due_at=x.transfer_due_at, closed_at=x.closed_at)


class RmaStepOut(BaseModel):
    step: RmaStep
    at: datetime


class RmaOut(BaseModel):
    rma_id: str
    case_id: str
    serial_number: str
    manufacturer: str
    entitlement: str
    step: RmaStep
    repairer: str
    free_of_charge: bool
    history: list[RmaStepOut]

    @classmethod
    def of(cls, r: Rma) -> RmaOut:
        return cls(rma_id=r.id, case_id=r.case_id, serial_number=r.serial_number, manufacturer=r.manufacturer,
                   entitlement=r.entitlement, step=r.step, repairer=r.repairer, free_of_charge=r.free_of_charge,
                   history=[RmaStepOut(step=s, at=at) for s, at in r.history])


class StockLevelOut(BaseModel):
    depot: str
    part: str
    on_hand: int
    reserved: int
    defective: int
    minimum: int
    available: int
    low: bool

    @classmethod
    def of(cls, s: StockLevel) -> StockLevelOut:
        return cls(depot=s.depot, part=s.part, on_hand=s.on_hand, reserved=s.reserved, defective=s.defective,
                   minimum=s.minimum, available=s.available, low=s.low)


class StockMoveOut(BaseModel):
    kind: MoveKind
    depot: str
    part: str
    quantity: int
    case_id: str
    note: str
    at: datetime

    @classmethod
    def of(cls, m: Move) -> StockMoveOut:
        return cls(kind=m.kind, depot=m.depot, part=m.part, quantity=m.quantity, case_id=m.case_id, note=m.note,
                   at=m.at)


class DepotOut(BaseModel):
    levels: list[StockLevelOut]
    moves: list[StockMoveOut] = Field(description="Newest first, at most 200")


class TransferOut(BaseModel):
    from_level: StockLevelOut
    to_level: StockLevelOut


class VendorEngagementOut(BaseModel):
    case_id: str
    manufacturer: str
    vendor_contact_id: str
    vendor_ticket: str
    promised_response_seconds: int
    engaged_at: datetime
    promised_at: datetime
    responded_at: datetime | None
    response: str
    late: bool

    @classmethod
    def of(cls, e: VendorEngagement, now: datetime) -> VendorEngagementOut:
        return cls(case_id=e.case_id, manufacturer=e.manufacturer, vendor_contact_id=e.contact_id,
                   vendor_ticket=e.ticket, promised_response_seconds=int(e.promised_response.total_seconds()),
                   engaged_at=e.engaged_at, promised_at=e.promised_at, responded_at=e.responded_at,
                   response=e.response, late=e.late(now))
