"""Receipts and coverage answers → aftercare.intake.v1 messages; enum numbers ↔ intake vocabulary."""

from __future__ import annotations

from datetime import date

from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.errors import InvalidArgument

from intake.adapters.proto_mapping import (
    CATEGORIES,
    CHANNELS,
    ENTITLEMENTS,
    KINDS,
    PRIORITIES,
    RECEIPT_OUTCOMES,
    RECEIPT_STATES,
    REGISTRY_KINDS,
    SEVERITIES,
    timestamp,
)
from intake.adapters.receipts import Receipt
from intake.domain.vocabulary import CaseKind, Category, Channel, Priority, StatedSeverity
from intake.parsing.csv_import import ImportKind
from intake.reads import CoverageAnswer


def category(number: int) -> Category | None:
    return CATEGORIES.optional(number, "category")


def kind(number: int) -> CaseKind | None:
    return KINDS.optional(number, "kind")


def severity(number: int, field: str = "stated_severity") -> StatedSeverity | None:
    return SEVERITIES.optional(number, field)


def priority(number: int) -> Priority | None:
    return PRIORITIES.optional(number, "priority")


def channel(number: int) -> Channel | None:
    return CHANNELS.optional(number, "channel")


def registry_kind(number: int) -> ImportKind:
    found = REGISTRY_KINDS.optional(number, "kind")
    if found is None:
        raise InvalidArgument.for_field("kind", "is required: companies, contacts, contracts, sites or assets")
    return found


def day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument.for_field(field, f"{text!r} is not a date like 2026-11-21") from None


def receipt_message(receipt: Receipt) -> pb.Receipt:
    found = receipt.identification
    identification = pb.Identification(
        company_id=found.get("company_id") or "", contact_id=found.get("contact_id") or "",
        contract_id=found.get("contract_id") or "", site_id=found.get("site_id") or "",
        asset_serial_number=found.get("asset_serial_number") or "",
        asset_manufacturer=found.get("asset_manufacturer") or "", region=found.get("region") or "",
        unidentified=bool(found.get("unidentified")), not_entitled=bool(found.get("not_entitled")),
        entitlement=ENTITLEMENTS.number(found.get("entitlement"), "entitlement"),  # type: ignore[arg-type]
        entitlement_reason=found.get("entitlement_reason") or "",
        suggested_priority=PRIORITIES.number(found.get("suggested_priority"), "suggested_priority"),  # type: ignore[arg-type]
        priority_reason=found.get("priority_reason") or "", folded_reason=found.get("folded_reason") or "")
    message = pb.Receipt(
        receipt_id=receipt.receipt_id,
        channel=CHANNELS.number(receipt.channel, "channel"),  # type: ignore[arg-type]
        state=RECEIPT_STATES.number(receipt.state, "state"),  # type: ignore[arg-type]
        outcome=RECEIPT_OUTCOMES.number(receipt.outcome, "outcome"),  # type: ignore[arg-type]
        case_id=receipt.case_id or "", case_number=receipt.case_number or "", attempts=receipt.attempts,
        last_error=receipt.last_error or "", identification=identification,
        attachments=[pb.AttachmentRef(filename=a.get("filename", ""), content_type=a.get("content_type", ""),
                                      size_bytes=int(a.get("size_bytes", 0)), sha256=a.get("sha256", ""),
                                      storage_key=a.get("storage_key") or "") for a in receipt.attachments])
    message.received_at.CopyFrom(timestamp(receipt.received_at))
    if receipt.submitted_at is not None:
        message.submitted_at.CopyFrom(timestamp(receipt.submitted_at))
    return message


def coverage_message(answer: CoverageAnswer) -> pb.CheckCoverageResponse:
    found = answer.coverage
    response = pb.CheckCoverageResponse(
        date=answer.on_date.isoformat(), covered=found.covered, until=found.until.isoformat() if found.until else "",
        base_until=found.base_until.isoformat() if found.base_until else "", extension_days=found.extension_days,
        reason=found.reason, entitlement=ENTITLEMENTS.number(answer.entitlement.entitlement.value))  # type: ignore[arg-type]
    for interval in answer.downtime:
        response.downtime.append(pb.DowntimeInterval(case_number=interval.case_number or "",
                                                     opened_at=timestamp(interval.opened_at),
                                                     restored_at=timestamp(interval.restored_at)))
    return response
