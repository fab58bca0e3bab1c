"""Receipts and coverage answers → aftercare.intake.v1 messages; enum numbers ↔ intake vocabulary."""

from __future__ import annotations

from datetime import date
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.errors import InvalidArgument

from intake.adapters.proto_mapping import entitlement_number, priority_number, timestamp
from intake.domain.vocabulary import Channel
from intake.handlers.coverage import CoverageAnswer
from intake.handlers.receipts import Receipt
from intake.parsing.csv_import import ImportKind


def _suffix(descriptor: Any, number: int, prefix: str, field: str) -> str | None:
    if number == 0:
        return None
    value = descriptor.values_by_number.get(number)
    if value is None:
        raise InvalidArgument.for_field(field, f"{number} is not a known value")
    return str(value.name).removeprefix(prefix)


def category(number: int) -> str | None:
    return _suffix(cases_pb2.Category.DESCRIPTOR, number, "CATEGORY_", "category")


def kind(number: int) -> str | None:
    found = _suffix(cases_pb2.CaseKind.DESCRIPTOR, number, "CASE_KIND_", "kind")
    return found.lower() if found else None


def severity(number: int, field: str = "stated_severity") -> str | None:
    found = _suffix(pb.StatedSeverity.DESCRIPTOR, number, "STATED_SEVERITY_", field)
    return found.lower() if found else None


def channel(number: int) -> Channel | None:
    found = _suffix(pb.IntakeChannel.DESCRIPTOR, number, "INTAKE_CHANNEL_", "channel")
    return Channel(found.lower()) if found else None


def registry_kind(number: int) -> ImportKind:
    found = _suffix(pb.RegistryKind.DESCRIPTOR, number, "REGISTRY_KIND_", "kind")
    if found is None:
        raise InvalidArgument.for_field("kind", "is required: companies, contacts, contracts, sites or assets")
    return ImportKind(found.lower())


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
        entitlement=entitlement_number(found.get("entitlement")),  # type: ignore[arg-type]
        entitlement_reason=found.get("entitlement_reason") or "",
        suggested_priority=priority_number(found.get("suggested_priority")),  # type: ignore[arg-type]
        priority_reason=found.get("priority_reason") or "", folded_reason=found.get("folded_reason") or "")
    message = pb.Receipt(
        receipt_id=receipt.receipt_id,
        channel=pb.IntakeChannel.Value(f"INTAKE_CHANNEL_{receipt.channel.upper()}"),
        state=pb.ReceiptState.Value(f"RECEIPT_STATE_{receipt.state.upper()}"),
        outcome=pb.ReceiptOutcome.Value(f"RECEIPT_OUTCOME_{receipt.outcome.upper()}"),
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
        reason=found.reason, entitlement=entitlement_number(answer.entitlement.entitlement.value))  # type: ignore[arg-type]
    for interval in answer.downtime:
        response.downtime.append(pb.DowntimeInterval(case_number=interval.case_number or "",
                                                     opened_at=timestamp(interval.opened_at),
                                                     restored_at=timestamp(interval.restored_at)))
    return response
