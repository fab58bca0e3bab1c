"""What intake asks cases for: the fields of a new case, and the text of a note (pure).

The plan is stored with the submission as JSON, so a retry days later sends exactly the same
request (cases' CreateCase is idempotent on the receipt id and checks the report is the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from aftercare_platform.errors import InvalidArgument

from intake.domain.identification import Identification
from intake.domain.intake_request import AttachmentRef, IntakeRequest
from intake.domain.priority import PrioritySuggestion
from intake.domain.registry import Contact
from intake.domain.routing import Outcome, Route
from intake.domain.sender_rights import UNVERIFIED_SENDER, NoteTrust
from intake.domain.text import truncate
from intake.domain.vocabulary import CaseKind, Category, Channel, Priority, StatedSeverity
from intake.domain.warranty import Entitlement, EntitlementDecision

MAX_CASE_TEXT = 20_000  # cases' limit for descriptions and notes
MAX_CASE_FIELD = 200  # cases' limit for names, serials, models, sites

# intake's channels as cases names them (aftercare.cases.v1.Channel)
CASES_CHANNEL: Mapping[Channel, str] = {
    Channel.AGENT_PHONE: "hotline",
    Channel.FAX: "fax",
    Channel.WEB_FORM: "web",
    Channel.EMAIL: "email",
    Channel.SMS: "sms",
    Channel.PARTNER: "partner",
    Channel.ALARM: "monitoring",
    Channel.INSPECTION: "inspection",
}
SEVERITY_PRIORITY: Mapping[StatedSeverity, Priority] = {
    StatedSeverity.CRITICAL: Priority.P1,
    StatedSeverity.MAJOR: Priority.P2,
    StatedSeverity.GENERAL: Priority.P3,
    StatedSeverity.NON_FAULT: Priority.P4,
}
_LABEL: Mapping[Channel, str] = {
    Channel.AGENT_PHONE: "Hotline call",
    Channel.FAX: "Fax",
    Channel.WEB_FORM: "Web form",
    Channel.EMAIL: "Email",
    Channel.SMS: "SMS",
    Channel.PARTNER: "Partner system",
    Channel.ALARM: "Monitoring alarm",
    Channel.INSPECTION: "Inspection finding",
}


@dataclass(frozen=True)
class Caller:
    name: str = ""
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CasePlan:
    """The CreateCase fields (in intake's vocabulary) and, for a note, its text."""

    region: str
    company_id: str | None
    contract_id: str | None
    caller: Caller
    asset: dict[str, str] = field(default_factory=dict)  # serial_number, manufacturer, model, site
    description: str = ""
    error_codes: tuple[str, ...] = ()
    category: str = Category.A.value
    kind: str = CaseKind.DEFECT.value
    priority: str = Priority.P3.value
    customer_severity: str | None = None
    channel: str = "hotline"
    entitlement: str = Entitlement.UNKNOWN.value
    unidentified: bool = False
    not_entitled: bool = False
    note_text: str = ""
    # an unverified sender's note is agent-only until an agent accepts it (domain.sender_rights)
    note_internal: bool = False
    # the partner key that reported it: cases lets it follow the case while its company is unknown
    reported_by: str | None = None
    # the response time the customer asked for, in seconds (plan 003 §3); sla-timer honours it where the policy does
    customer_requested_response_seconds: float | None = None
    # the suggestion from category and severity, kept when the agent set another priority
    suggested_priority: str | None = None
    # the person this channel acts for (aftercare.common.v1.Actor fields): the agent who took the call,
    # the partner key, the customer's contact; cases records it as the actor
    on_behalf: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["error_codes"] = list(self.error_codes)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CasePlan:
        values = dict(data)
        values["caller"] = Caller(**values.get("caller", {}))
        values["error_codes"] = tuple(values.get("error_codes", ()))
        return cls(**values)

    def as_new_case(self, why: str) -> CasePlan:
        """A note that cannot be added (its case is gone) becomes a case of its own, saying why."""
        description, _ = truncate(f"{why}\n\n{self.note_text}", MAX_CASE_TEXT)
        return CasePlan(**{**asdict(self), "caller": self.caller, "error_codes": self.error_codes,
                           "description": description, "note_text": "", "note_internal": False})


def caller_for(request: IntakeRequest, found: Identification, company_contacts: Iterable[Contact]) -> Caller:
    """The reporter, completed from the identified contact; a report with no way back to anyone
    (an alarm) is answered to the company's first designated contact. InvalidArgument when none."""
    reporter = request.reporter
    contact = found.contact
    name = reporter.name or (contact.name if contact else "") or ""
    phone = reporter.phone or (contact.phone if contact else None)
    email = reporter.email or (contact.email if contact else None)
    if phone is None and email is None:
        for designated in company_contacts:
            if designated.phone or designated.email:
                return Caller(_short(name or designated.name), designated.phone, designated.email)
        raise InvalidArgument.for_field(
            "reporter.phone", "a phone or an email is needed to answer the caller, and no designated contact "
            "of an identified company can stand in")
    # cases needs a name to address the caller by: an unnamed reporter is called by its address
    return Caller(_short(name or email or phone or "unknown caller"), phone, email)


def _short(text: str) -> str:
    return text.strip()[:MAX_CASE_FIELD]


def _attachment_lines(attachments: Iterable[AttachmentRef]) -> str:
    lines = [f"- {a.filename} ({a.content_type}, {a.size_bytes} bytes) attachment:{a.storage_key or a.sha256}"
             + (f" [{a.note}]" if a.note else "") for a in attachments]
    return "Attachments:\n" + "\n".join(lines) if lines else ""


def _description(request: IntakeRequest) -> str:
    parts = []
    if request.summary and not request.description.startswith(request.summary):
        parts.append(request.summary)
    parts.append(request.description)
    parts.append(_attachment_lines(request.attachments))
    text, _ = truncate("\n\n".join(part for part in parts if part), MAX_CASE_TEXT)
    return text


def _who(request: IntakeRequest, caller: Caller) -> str:
    who = request.reporter.name or caller.name
    reach = request.reporter.email or request.reporter.phone or request.partner_id
    return " ".join(part for part in (who, f"<{reach}>" if reach else "") if part) or "an unknown reporter"


def note_text(request: IntakeRequest, route: Route, caller: Caller, *, unverified: bool = False) -> str:
    label, who = _LABEL[request.channel], _who(request, caller)
    if route.outcome is Outcome.ALARM_FOLDED:
        head = f"{label} {request.alarm_code} repeated at {request.received_at.isoformat()}"
    elif route.outcome is Outcome.DUPLICATE_NOTED:
        head = f"Reported again by {who} ({label.lower()}): {route.reason}"
    else:
        head = f"{label} from {who}"
    if unverified:
        head = (f"[{UNVERIFIED_SENDER}: not a contact of this case's company nor the address that reported it; "
                f"agent-only until an agent accepts it] {head}")
    text, _ = truncate(f"{head}:\n{_description(request)}", MAX_CASE_TEXT)
    return text


_STAFF_CHANNELS = (Channel.AGENT_PHONE, Channel.FAX)
_CUSTOMER_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WEB_FORM)


def acting_for(request: IntakeRequest, found: Identification, *, trusted: bool,
               case_company: str | None = None) -> dict[str, str] | None:
    """Who the channel speaks for: the desk member who typed it in, the partner key, or the customer's
    contact (or, for a verified reply with no registered contact, its address). None for machines
    (alarms, inspections) and for a sender nobody could verify."""
    if request.channel in _STAFF_CHANNELS and request.partner_id:
        return {"subject_id": request.partner_id, "role": request.submitter_role or "agent"}
    if request.channel is Channel.PARTNER and request.partner_id:
        company = found.company.company_id if found.company else None
        return {"subject_id": request.partner_id, "role": "partner", **({"company_id": company} if company else {})}
    if request.channel not in _CUSTOMER_CHANNELS or not trusted:
        return None
    company = case_company or (found.company.company_id if found.company else None)
    contact = found.contact if found.contact and found.contact.company_id == company else None
    subject = contact.contact_id if contact else (request.reporter.email or request.reporter.phone)
    if company is None or subject is None:
        return None
    name = (contact.name if contact else None) or request.reporter.name
    return {"subject_id": subject, "role": "customer", "company_id": company,
            **({"display_name": _short(name)} if name else {})}


def plan_case(
    request: IntakeRequest,
    found: Identification,
    entitled: EntitlementDecision,
    suggestion: PrioritySuggestion,
    route: Route,
    caller: Caller,
    trust: NoteTrust = NoteTrust.VERIFIED,
    case_company: str | None = None,
) -> CasePlan:
    """`case_company`: for a note, the company of the case it goes on (a reply speaks for that company)."""
    asset: dict[str, str] = {}
    if found.asset is not None:
        asset = {"serial_number": found.asset.serial_number, "manufacturer": found.asset.manufacturer,
                 "model": found.asset.model or request.hints.model or ""}
    elif request.hints.serial_number:
        asset = {"serial_number": request.hints.serial_number, "manufacturer": request.hints.manufacturer or "",
                 "model": request.hints.model or ""}
    if found.site is not None:
        asset["site"] = found.site.name
    elif request.hints.site:
        asset["site"] = request.hints.site
    error_codes = request.error_codes
    if request.alarm_code and request.alarm_code not in error_codes:
        error_codes = (request.alarm_code, *error_codes)
    severity = request.stated_severity
    unverified = route.outcome.adds_note and trust is NoteTrust.UNVERIFIED
    return CasePlan(
        region=found.region,
        company_id=found.company.company_id if found.company else None,
        contract_id=found.contract.contract_id if found.contract else None,
        caller=caller,
        asset={key: _short(value) for key, value in asset.items() if value.strip()},
        description=_description(request),
        error_codes=error_codes[:50],
        category=(request.category or Category.A).value,
        kind=(request.kind or CaseKind.DEFECT).value,
        priority=(request.priority or suggestion.priority).value,
        suggested_priority=suggestion.priority.value,
        customer_severity=SEVERITY_PRIORITY[severity].value if severity else None,
        channel=CASES_CHANNEL[request.channel],
        entitlement=entitled.entitlement.value,
        unidentified=found.unidentified,
        not_entitled=entitled.entitlement is not Entitlement.IN_WARRANTY,
        note_text=note_text(request, route, caller, unverified=unverified) if route.outcome.adds_note else "",
        note_internal=unverified,
        reported_by=request.partner_id if request.channel is Channel.PARTNER else None,
        customer_requested_response_seconds=(
            request.customer_requested_response.total_seconds() if request.customer_requested_response else None
        ),
        on_behalf=acting_for(request, found, trusted=not unverified, case_company=case_company),
    )
