"""The case aggregate: an immutable snapshot; commands return a new one with `version` + 1."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.errors import InvalidArgument

from cases.domain.text import LONG_TEXT_MAX, optional_text, require_aware, required_text
from cases.domain.timeline import canonical_time
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
)


@dataclass(frozen=True)
class Caller:
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def validated(self, field: str = "caller") -> Caller:
        phone = optional_text(f"{field}.phone", self.phone)
        email = optional_text(f"{field}.email", self.email)
        if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@")):
            raise InvalidArgument.for_field(f"{field}.email", "is not an email address")
        return Caller(
            name=required_text(f"{field}.name", self.name),
            phone=phone,
            email=email,
            address=optional_text(f"{field}.address", self.address, 1_000),
        )


@dataclass(frozen=True)
class Asset:
    serial_number: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    site: str | None = None

    def validated(self, field: str = "asset") -> Asset:
        return Asset(
            serial_number=optional_text(f"{field}.serial_number", self.serial_number),
            manufacturer=optional_text(f"{field}.manufacturer", self.manufacturer),
            model=optional_text(f"{field}.model", self.model),
            site=optional_text(f"{field}.site", self.site, 1_000),
        )

    @property
    def is_empty(self) -> bool:
        return not any((self.serial_number, self.manufacturer, self.model, self.site))


@dataclass(frozen=True)
class FaultReport:
    """What the engineer writes when the work is done; every part is required to resolve."""

    cause: str
    method: str
    result: str
    prevention: str
    # a remote session's commands travel with the report
    command_log: tuple[str, ...] = ()
    fault_party: FaultParty = FaultParty.UNKNOWN
    # the outage, when the system was down: its start and the restoration of service
    outage_started_at: datetime | None = None
    restored_at: datetime | None = None

    def validated(self, field: str = "fault_report", now: datetime | None = None) -> FaultReport:
        started, restored = self.outage_started_at, self.restored_at
        if (started is None) != (restored is None):
            missing = "restored_at" if restored is None else "outage_started_at"
            raise InvalidArgument.for_field(f"{field}.{missing}", "an outage has both a start and a restoration")
        if started is not None and restored is not None:
            require_aware(f"{field}.outage_started_at", started)
            require_aware(f"{field}.restored_at", restored)
            if restored < started:
                raise InvalidArgument.for_field(f"{field}.restored_at", "is before outage_started_at")
            if now is not None and restored > now:
                raise InvalidArgument.for_field(f"{field}.restored_at", "is in the future")
        return FaultReport(
            cause=required_text(f"{field}.cause", self.cause, LONG_TEXT_MAX),
            method=required_text(f"{field}.method", self.method, LONG_TEXT_MAX),
            result=required_text(f"{field}.result", self.result, LONG_TEXT_MAX),
            prevention=required_text(f"{field}.prevention", self.prevention, LONG_TEXT_MAX),
            command_log=self.command_log,
            fault_party=self.fault_party,
            outage_started_at=started,
            restored_at=restored,
        )

    @property
    def vendor_outage(self) -> tuple[datetime, datetime] | None:
        """The outage that extends the warranty: only one through the vendor's fault."""
        if self.fault_party is not FaultParty.VENDOR or self.outage_started_at is None or self.restored_at is None:
            return None
        return self.outage_started_at, self.restored_at

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "cause": self.cause,
            "method": self.method,
            "result": self.result,
            "prevention": self.prevention,
            "command_log": list(self.command_log),
            "fault_party": self.fault_party.value,
        }
        if self.outage_started_at is not None and self.restored_at is not None:
            payload["outage_started_at"] = canonical_time(self.outage_started_at)
            payload["restored_at"] = canonical_time(self.restored_at)
        return payload

    def search_words(self) -> str:
        """What SearchCases and FindSimilarCases read of it."""
        return " ".join((self.cause, self.method, self.result, self.prevention))


@dataclass(frozen=True)
class Complaint:
    sequence: int  # 1, 2, ... within the case
    about: ComplaintAbout
    text: str
    filed_by: str
    filed_at: datetime
    engineer: str | None  # the assignee when it was filed
    handled_by: str | None = None  # the supervisor who acted on it
    handled_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.handled_at is None


@dataclass(frozen=True)
class Cancellation:
    reason: CancelReason
    text: str
    duplicate_of: str | None = None  # a case number


@dataclass(frozen=True)
class CaseFlags:
    unidentified: bool = False  # caller not matched to a known customer / contract
    not_entitled: bool = False  # no contract or warranty covers it: billable
    supervisor_review: bool = False  # a complaint about the engineer awaits the supervisor
    sla_breached: bool = False  # an SLA clock breached (and the breach was not withdrawn)


@dataclass(frozen=True)
class CasePolicy:
    """The SLA policy sla-timer applies to the case, with what it says of the customer's replies
    (aftercare.sla.policy_applied.v1)."""

    name: str
    reply_resumes: bool  # a customer's reply ends "waiting for customer"
    reopen_window: timedelta  # a customer's reply within it after closing reopens the case


@dataclass(frozen=True)
class Case:
    id: str
    number: str
    region: str
    company_id: str | None
    contract_id: str | None
    caller: Caller
    asset: Asset
    description: str
    error_codes: tuple[str, ...]
    category: Category
    kind: Kind
    priority: Priority
    customer_severity: Priority | None
    channel: Channel
    status: Status
    tier: Tier
    created_at: datetime
    updated_at: datetime
    entitlement: Entitlement = Entitlement.UNKNOWN
    flags: CaseFlags = field(default_factory=CaseFlags)
    assignee: str | None = None
    rma: bool = False  # hardware sent down the RMA path (separate from the tiers)
    vendor_escalation_confirmed_by: str | None = None  # the expert who confirmed it
    acknowledged_at: datetime | None = None  # the first answer to the customer
    diagnosed_at: datetime | None = None  # the first diagnosis report
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    fault_report: FaultReport | None = None
    complaints: tuple[Complaint, ...] = ()
    open_loaners: tuple[str, ...] = ()  # serials of loaner devices not yet returned
    participants: tuple[str, ...] = ()  # who works on it besides the assignee (experts), in joining order
    # every command sent in remote sessions; attached to the fault report on resolve
    remote_command_log: tuple[str, ...] = ()
    cancellation: Cancellation | None = None
    reopen_count: int = 0
    version: int = 1
    # the partner key that reported it: it follows the case even while its company is unknown
    reported_by: str | None = None
    # the response time the customer asked for (plan 003 §3); sla-timer honours it where the policy does
    customer_requested_response: timedelta | None = None
    follows_case: str | None = None  # the closed case's number this one follows up
    suggested_priority: Priority | None = None  # intake's suggestion, kept when the agent chose another
    policy: CasePolicy | None = None  # None until sla-timer announced the case's policy

    def complaint(self, sequence: int) -> Complaint | None:
        return next((c for c in self.complaints if c.sequence == sequence), None)
