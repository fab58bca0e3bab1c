"""The HTTP API's request and response bodies. Values are the domain's words: `in_progress`, `P1`, `A`.

Field names are the gRPC API's, so one vocabulary serves both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cases.domain.activities import ActivityKind
from cases.domain.vocabulary import (
    CancelReason,
    Category,
    Channel,
    ComplaintAbout,
    Entitlement,
    FaultParty,
    Kind,
    Priority,
    Status,
    Tier,
    Visibility,
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallerBody(Body):
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class AssetBody(Body):
    serial_number: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    site: str | None = None


class CreateCaseBody(Body):
    request_id: str = Field(description="Client-chosen idempotency key: the same key returns the same case.")
    region: str = Field(examples=["east"])
    company_id: str | None = Field(default=None, description="Required unless unidentified.")
    contract_id: str | None = None
    caller: CallerBody
    asset: AssetBody = Field(default_factory=AssetBody)
    description: str
    error_codes: list[str] = Field(default_factory=list)
    category: Category
    kind: Kind
    priority: Priority
    customer_severity: Priority | None = None
    customer_requested_response: timedelta | None = Field(
        default=None, description="The response time the customer asked for (ISO 8601 like PT30M, or seconds)."
    )
    channel: Channel = Channel.WEB
    entitlement: Entitlement = Entitlement.UNKNOWN
    unidentified: bool = False
    not_entitled: bool = False


class NoteBody(Body):
    text: str
    visibility: Visibility = Visibility.PUBLIC
    request_id: str = Field(
        default="", description="Optional client-chosen key: the same note sent again with it is added once."
    )


class CorrectionBody(Body):
    text: str


class ActivityBody(Body):
    kind: ActivityKind
    summary: str
    occurred_at: datetime | None = None
    visibility: Visibility = Visibility.PUBLIC
    site: str | None = None
    permission_given: bool = False
    command_log: list[str] = Field(default_factory=list)
    rma_number: str | None = None
    rma_step: str | None = None
    device_serial: str | None = None
    device_class: str | None = None
    participant_id: str | None = None
    participant_role: str | None = None


class ComplaintBody(Body):
    about: ComplaintAbout
    text: str


class AcknowledgeBody(Body):
    message: str | None = Field(default=None, description="What the engineer told the customer.")


class AssignBody(Body):
    assignee_id: str
    tier: Tier | None = Field(default=None, description="desk or engineer; higher tiers by escalation.")
    reason: str | None = None


class ReassignBody(Body):
    assignee_id: str
    reason: str | None = None
    complaint_sequence: int | None = Field(default=None, description="Supervisors replacing the engineer.")


class ReasonBody(Body):
    reason: str | None = None


class RequiredReasonBody(Body):
    reason: str


class ChangePriorityBody(Body):
    priority: Priority
    reason: str


class EscalateBody(Body):
    reason: str
    to_tier: Tier | None = Field(default=None, description="Unspecified: the next tier up.")
    to_rma: bool = False


class FaultReportBody(Body):
    cause: str
    method: str
    result: str
    prevention: str
    fault_party: FaultParty = FaultParty.UNKNOWN
    # the outage (both or neither): only a vendor-fault outage extends the warranty
    outage_started_at: datetime | None = None
    restored_at: datetime | None = None


class ResolveBody(Body):
    fault_report: FaultReportBody


class ConfirmBody(Body):
    comment: str | None = None


class CancelBody(Body):
    reason: CancelReason
    text: str
    duplicate_of: str | None = None


# ---- responses -------------------------------------------------------------------------


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class CaseView(View):
    """The case (every field of aftercare.cases.v1.Case, with domain values)."""

    case_id: str
    case_number: str
    region: str
    company_id: str | None
    contract_id: str | None
    caller: dict[str, Any]
    asset: dict[str, Any]
    description: str
    error_codes: list[str]
    category: Category
    kind: Kind
    priority: Priority
    status: Status
    tier: Tier
    assignee_id: str | None
    created_at: str
    updated_at: str
    closed_at: str | None
    version: int
    allowed_actions: list[str]


class CaseResponse(View):
    case: CaseView


class CreatedCaseResponse(CaseResponse):
    created: bool = Field(description="False when request_id was seen before and the existing case is returned.")


class SimilarCase(View):
    case: CaseView
    score: float = Field(description="How well it matches; only for ordering.")


class SimilarCasesResponse(View):
    cases: list[SimilarCase]


class CasePageResponse(View):
    cases: list[CaseView]
    next_page_token: str = Field(description="Empty on the last page.")


class TimelineEntryView(View):
    case_id: str
    position: int
    occurred_at: str
    actor: dict[str, Any]
    kind: str
    visibility: Visibility
    corrects_position: int | None
    previous_hash: str
    hash: str
    payload_json: str = Field(description="The payload exactly as hashed (canonical JSON).")
    payload: dict[str, Any]


class EntryResponse(CaseResponse):
    entry: TimelineEntryView


class ComplaintResponse(CaseResponse):
    complaint_sequence: int


class TimelinePageResponse(View):
    entries: list[TimelineEntryView]
    next_page_token: str


class VerificationResponse(View):
    ok: bool
    entries_checked: int
    first_bad_position: int | None
    reason: str | None
    head_hash: str | None
