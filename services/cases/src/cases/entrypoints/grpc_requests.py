"""aftercare.cases.v1 request messages -> domain values; a bad field is InvalidArgument naming it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import page_size
from google.protobuf.timestamp_pb2 import Timestamp

from cases.adapters.proto_mapping import enum_map
from cases.domain.activities import Activity, ActivityKind
from cases.domain.actors import Actor, Role
from cases.domain.case import Asset, Caller, FaultReport
from cases.domain.commands import NewCase
from cases.domain.queries import CaseFilter, Sort, SortDirection, SortField, TimeRange
from cases.domain.references import CaseRef
from cases.domain.text import optional_text, required_text
from cases.domain.vocabulary import (
    Category,
    Channel,
    Entitlement,
    FaultParty,
    Kind,
    Priority,
    Status,
    Tier,
    Visibility,
)

E = TypeVar("E", bound=StrEnum)


def optional_enum(domain: type[E], number: int, field: str) -> E | None:
    """None for *_UNSPECIFIED; InvalidArgument naming `field` for a number this server does not know."""
    return enum_map(domain).optional(number, field)


def required_enum(domain: type[E], number: int, field: str) -> E:
    return enum_map(domain).member(number, field)


def case_ref(request: Any) -> CaseRef:
    """The case a per-case request names, by `case_id` or `case_number`."""
    which = request.WhichOneof("case_ref")
    if which == "case_number":
        return CaseRef.by_number(request.case_number, "case_number")
    return CaseRef.by_id(request.case_id if which == "case_id" else "", "case_id")


def timestamp(message: Any, name: str, field: str) -> datetime | None:
    if not message.HasField(name):
        return None
    value: Timestamp = getattr(message, name)
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument.for_field(field, "is not a valid time") from None


def new_case(request: cases_pb2.CreateCaseRequest) -> NewCase:
    return NewCase(
        region=request.region,
        company_id=request.company_id or None,
        contract_id=request.contract_id or None,
        caller=Caller(
            name=request.caller.name,
            phone=request.caller.phone or None,
            email=request.caller.email or None,
            address=request.caller.address or None,
        ),
        asset=Asset(
            serial_number=request.asset.serial_number or None,
            manufacturer=request.asset.manufacturer or None,
            model=request.asset.model or None,
            site=request.asset.site or None,
        ),
        description=request.description,
        error_codes=tuple(request.error_codes),
        category=required_enum(Category, request.category, "category"),
        kind=required_enum(Kind, request.kind, "kind"),
        priority=required_enum(Priority, request.priority, "priority"),
        customer_severity=optional_enum(Priority, request.customer_severity, "customer_severity"),
        channel=optional_enum(Channel, request.channel, "channel") or Channel.PARTNER,
        entitlement=optional_enum(Entitlement, request.entitlement, "entitlement") or Entitlement.UNKNOWN,
        unidentified=request.unidentified,
        not_entitled=request.not_entitled,
        reported_by=request.reported_by or None,
        customer_requested_response=(
            request.customer_requested_response.ToTimedelta()
            if request.HasField("customer_requested_response")
            else None
        ),
        on_behalf=on_behalf(request),
        suggested_priority=optional_enum(Priority, request.suggested_priority, "suggested_priority"),
    )


def on_behalf(request: Any) -> Actor | None:
    """The person a system channel acted for (`on_behalf_of`), or None when not given."""
    if not request.HasField("on_behalf_of"):
        return None
    given = request.on_behalf_of
    role = required_enum(Role, given.role, "on_behalf_of.role")
    if role is Role.CUSTOMER and not given.company_id.strip():
        raise InvalidArgument.for_field("on_behalf_of.company_id", "a customer acts for a company")
    return Actor(
        subject=required_text("on_behalf_of.subject_id", given.subject_id),
        role=role,
        company_id=optional_text("on_behalf_of.company_id", given.company_id),
        name=optional_text("on_behalf_of.display_name", given.display_name),
    )


def case_filter(message: cases_pb2.CaseFilter, prefix: str = "filter.") -> CaseFilter:
    def each(domain: type[E], numbers: Any, name: str) -> frozenset[E]:
        return frozenset(required_enum(domain, n, f"{prefix}{name}") for n in numbers)

    return CaseFilter(
        company_ids=frozenset(message.company_ids),
        statuses=each(Status, message.statuses, "statuses"),
        priorities=each(Priority, message.priorities, "priorities"),
        categories=each(Category, message.categories, "categories"),
        kinds=each(Kind, message.kinds, "kinds"),
        tiers=each(Tier, message.tiers, "tiers"),
        regions=frozenset(message.regions),
        assignee_ids=frozenset(message.assignee_ids),
        asset_manufacturer=message.asset_manufacturer or None,
        created=time_range(message, "created", f"{prefix}created"),
        closed=time_range(message, "closed", f"{prefix}closed"),
        supervisor_review=message.supervisor_review,
        sla_breached=message.sla_breached,
    )


def time_range(message: Any, name: str, field: str) -> TimeRange | None:
    if not message.HasField(name):
        return None
    span: common_pb2.TimeRange = getattr(message, name)
    return TimeRange(
        start=timestamp(span, "start_time", f"{field}.start_time"),
        end=timestamp(span, "end_time", f"{field}.end_time"),
    )


def sort(field_number: int, direction_number: int) -> Sort:
    return Sort(
        field=optional_enum(SortField, field_number, "sort_field") or SortField.CREATED_AT,
        direction=optional_enum(SortDirection, direction_number, "sort_direction") or SortDirection.DESCENDING,
    )


def page(message: common_pb2.PageRequest) -> tuple[int, str]:
    return page_size(message.page_size), message.page_token


def activity(message: cases_pb2.Activity) -> Activity:
    return Activity(
        kind=required_enum(ActivityKind, message.kind, "activity.kind"),
        summary=message.summary,
        occurred_at=timestamp(message, "occurred_at", "activity.occurred_at"),
        visibility=optional_enum(Visibility, message.visibility, "activity.visibility") or Visibility.PUBLIC,
        site=message.site or None,
        permission_given=message.permission_given,
        command_log=tuple(message.command_log),
        rma_number=message.rma_number or None,
        rma_step=message.rma_step or None,
        device_serial=message.device_serial or None,
        device_class=message.device_class or None,
        participant_id=message.participant_id or None,
        participant_role=message.participant_role or None,
    )


def fault_report(request: cases_pb2.ResolveRequest) -> FaultReport:
    if not request.HasField("fault_report"):
        raise InvalidArgument.for_field("fault_report", "is required: cause, method, result and prevention")
    report = request.fault_report
    return FaultReport(
        cause=report.cause,
        method=report.method,
        result=report.result,
        prevention=report.prevention,
        fault_party=optional_enum(FaultParty, report.fault_party, "fault_report.fault_party") or FaultParty.UNKNOWN,
        outage_started_at=timestamp(report, "outage_started_at", "fault_report.outage_started_at"),
        restored_at=timestamp(report, "restored_at", "fault_report.restored_at"),
    )
