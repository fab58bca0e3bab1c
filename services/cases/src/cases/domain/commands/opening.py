"""Opening a case: the only command that starts from nothing."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.errors import InvalidArgument, PermissionDenied

from cases.domain import decisions
from cases.domain.actors import Actor, Role
from cases.domain.case import Asset, Caller, Case, CaseFlags
from cases.domain.case_numbers import parse_case_number, region_code
from cases.domain.decisions import Decision
from cases.domain.permissions import Command, require_role
from cases.domain.text import ERROR_CODES_MAX, LONG_TEXT_MAX, optional_text, require_aware, required_text, text_list
from cases.domain.vocabulary import Category, Channel, Entitlement, Kind, Priority, Status, Tier

REGION_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # aftercare.common.v1.Region.code


REQUESTED_RESPONSE_MAX = timedelta(days=366)


@dataclass(frozen=True)
class NewCase:
    """What the caller reported, as intake or an agent hands it over."""

    region: str
    company_id: str | None
    contract_id: str | None
    caller: Caller
    description: str
    category: Category
    kind: Kind
    priority: Priority
    asset: Asset = field(default_factory=Asset)
    error_codes: tuple[str, ...] = ()
    customer_severity: Priority | None = None
    channel: Channel = Channel.HOTLINE
    entitlement: Entitlement = Entitlement.UNKNOWN
    unidentified: bool = False
    not_entitled: bool = False
    reported_by: str | None = None  # the partner key intake reported it for
    customer_requested_response: timedelta | None = None  # the response time the customer asked for
    # the person a system channel acted for (agent, partner key, contact): the `created` entry's actor
    on_behalf: Actor | None = None
    suggested_priority: Priority | None = None  # intake's suggestion, kept when the agent chose another
    follows_case: str | None = None  # the closed case this one follows up

    def as_document(self) -> dict[str, Any]:
        """The report as JSON (the request fingerprint): the on-behalf actor by its ref; a report without
        a requested response reads as before."""
        document = asdict(replace(self, on_behalf=None))
        document["on_behalf"] = self.on_behalf.ref() if self.on_behalf else None
        requested = document.pop("customer_requested_response")
        if requested is not None:
            document["customer_requested_response_seconds"] = requested.total_seconds()
        return document

    def validated(self) -> NewCase:
        """The report trimmed and checked; InvalidArgument naming the first bad field."""
        region = required_text("region", self.region).lower()
        if not REGION_PATTERN.match(region):
            raise InvalidArgument.for_field("region", f"{self.region!r} is not a region code like 'east'")
        region_code(region)  # a region we can number
        company_id = optional_text("company_id", self.company_id)
        if company_id is None and not self.unidentified:
            raise InvalidArgument.for_field("company_id", "is required unless the caller is unidentified")
        caller = self.caller.validated()
        requested = self.customer_requested_response
        # bounded: a year is no response time, and protobuf Durations have a range
        if requested is not None and not timedelta(0) < requested <= REQUESTED_RESPONSE_MAX:
            raise InvalidArgument.for_field(
                "customer_requested_response", "must be a positive duration of at most 366 days"
            )
        if caller.phone is None and caller.email is None:
            raise InvalidArgument.for_field("caller.phone", "a phone or an email is required to answer the caller")
        return replace(
            self,
            region=region,
            company_id=company_id,
            contract_id=optional_text("contract_id", self.contract_id),
            caller=caller,
            asset=self.asset.validated(),
            description=required_text("description", self.description, LONG_TEXT_MAX),
            error_codes=text_list("error_codes", self.error_codes, max_items=ERROR_CODES_MAX),
            not_entitled=self.not_entitled or self.entitlement is Entitlement.BILLABLE,
            suggested_priority=self.suggested_priority if self.suggested_priority is not self.priority else None,
        )


def _reporter(report: NewCase, actor: Actor) -> str | None:
    """Only a system caller (intake) names the reporting partner; a partner opening a case is its reporter."""
    if actor.role is Role.PARTNER:
        return actor.subject
    if actor.role is Role.SYSTEM:
        return optional_text("reported_by", report.reported_by)
    return None


def acting_for(actor: Actor, on_behalf: Actor | None, field: str = "on_behalf_of") -> Actor:
    """Who the timeline names: the person a system channel acted for, else the caller itself.
    Only an Aftercare service speaks for someone else; nobody speaks for a service or an admin."""
    if on_behalf is None:
        return actor
    if actor.role is not Role.SYSTEM:
        raise PermissionDenied(f"{field} is read from Aftercare services only; a {actor.role.value} acts as itself")
    if on_behalf.role in (Role.SYSTEM, Role.ADMIN):
        raise InvalidArgument.for_field(f"{field}.role", f"a channel does not act for a {on_behalf.role.value}")
    return on_behalf


def admissible(new: NewCase, actor: Actor) -> NewCase:
    """What `open_case` refuses of the report and its sender, checked before a number is taken (CreateCase
    refuses it before the request joins a batch); the validated report."""
    require_role(actor, Command.OPEN)
    report = new.validated()
    acting_for(actor, report.on_behalf)
    # a partner may report for a company nobody knows yet: it is the case's reporter, and follows it
    unknown_to_partner = actor.role is Role.PARTNER and report.unidentified and report.company_id is None
    if not (actor.reaches_company(report.company_id) or unknown_to_partner) or not actor.reaches_region(report.region):
        raise PermissionDenied("this key may not open cases for that company or region")
    if report.follows_case:
        parse_case_number(report.follows_case, "follows_case")
    return report


def open_case(new: NewCase, *, case_id: str, number: str, actor: Actor, at: datetime) -> Decision:
    """A new case at the desk, status `new`. The repository allocated `case_id` and `number`.
    The `created` entry names the person the channel acted for, and the service that passed it on."""
    require_aware("at", at)
    report = admissible(new, actor)
    author = acting_for(actor, report.on_behalf)
    parsed = parse_case_number(number, "number")
    if parsed.region_code != region_code(report.region):
        raise InvalidArgument.for_field("number", f"{number} is not numbered in region {report.region}")
    case = Case(
        id=required_text("case_id", case_id),
        number=str(parsed),
        region=report.region,
        company_id=report.company_id,
        contract_id=report.contract_id,
        caller=report.caller,
        asset=report.asset,
        description=report.description,
        error_codes=report.error_codes,
        category=report.category,
        kind=report.kind,
        priority=report.priority,
        customer_severity=report.customer_severity,
        channel=report.channel,
        status=Status.NEW,
        tier=Tier.DESK,
        created_at=at,
        updated_at=at,
        entitlement=report.entitlement,
        flags=CaseFlags(unidentified=report.unidentified, not_entitled=report.not_entitled),
        reported_by=_reporter(report, actor),
        customer_requested_response=report.customer_requested_response,
        follows_case=str(parse_case_number(report.follows_case, "follows_case")) if report.follows_case else None,
        suggested_priority=report.suggested_priority,
    )
    details: dict[str, Any] = {
        "caller": {k: v for k, v in vars(case.caller).items() if v is not None},
        "asset": {k: v for k, v in vars(case.asset).items() if v is not None},
        "description": case.description,
        "error_codes": list(case.error_codes),
        "customer_severity": case.customer_severity.value if case.customer_severity else None,
        "customer_requested_response": _seconds(case.customer_requested_response),
        "channel": case.channel.value,
        "entitlement": case.entitlement.value,
        "unidentified": case.flags.unidentified,
        "not_entitled": case.flags.not_entitled,
        "suggested_priority": case.suggested_priority.value if case.suggested_priority else None,
        "follows_case_number": case.follows_case,
        "recorded_by": actor.subject if author is not actor else None,
    }
    return Decision(
        case=case,
        events=(decisions.event("created", case, author, at, **details),),
        entries=(
            decisions.entry(
                "created",
                author,
                at,
                number=case.number,
                category=case.category.value,
                kind=case.kind.value,
                priority=case.priority.value,
                **details,
            ),
        ),
    )


def _seconds(duration: timedelta | None) -> float | None:
    return duration.total_seconds() if duration is not None else None
