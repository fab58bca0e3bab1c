"""The HTTP API's response bodies, typed (the OpenAPI document shows them). Times keep Python's
ISO 8601 form with its offset (`2026-11-21T01:00:00+00:00`), as intake has always answered."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer

from intake.adapters.receipts import Receipt
from intake.handlers.registry_import import ImportReport
from intake.handlers.rejections import RecordedRejection
from intake.reads import CoverageAnswer

Instant = Annotated[dt.datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str)]


class ReceiptSummary(BaseModel):
    """What anyone holding the receipt id sees."""

    receipt_id: str
    state: str
    outcome: str
    case_number: str | None
    received_at: Instant


class ReceiptDetails(ReceiptSummary):
    """What staff and the submitter see besides: who and what was identified, and the delivery."""

    channel: str
    case_id: str | None
    attempts: int
    last_error: str | None
    submitted_at: Instant | None
    identification: dict[str, Any]
    attachments: list[dict[str, Any]]


def receipt_body(receipt: Receipt, *, full: bool) -> ReceiptSummary:
    summary = ReceiptSummary(receipt_id=receipt.receipt_id, state=receipt.state, outcome=receipt.outcome,
                             case_number=receipt.case_number, received_at=receipt.received_at)
    if not full:
        return summary
    return ReceiptDetails.model_validate(summary.model_dump() | {
        "channel": receipt.channel, "case_id": receipt.case_id, "attempts": receipt.attempts,
        "last_error": receipt.last_error, "submitted_at": receipt.submitted_at,
        "identification": receipt.identification, "attachments": list(receipt.attachments),
    })


def receipt_json(receipt: Receipt, *, full: bool) -> dict[str, Any]:
    return receipt_body(receipt, full=full).model_dump(mode="json")


class DowntimeBody(BaseModel):
    case_number: str | None
    opened_at: Instant
    restored_at: Instant


class CoverageBody(BaseModel):
    date: dt.date
    covered: bool
    until: dt.date | None
    base_until: dt.date | None
    extension_days: int
    reason: str
    entitlement: str
    downtime: list[DowntimeBody]

    @classmethod
    def of(cls, answer: CoverageAnswer) -> CoverageBody:
        found = answer.coverage
        return cls(date=answer.on_date, covered=found.covered, until=found.until, base_until=found.base_until,
                   extension_days=found.extension_days, reason=found.reason,
                   entitlement=answer.entitlement.entitlement.value,
                   downtime=[DowntimeBody(case_number=i.case_number, opened_at=i.opened_at, restored_at=i.restored_at)
                             for i in answer.downtime])


class RowErrorBody(BaseModel):
    row: int
    field: str
    reason: str


class ImportReportBody(BaseModel):
    rows_read: int
    rows_imported: int
    rows_rejected: int
    errors: list[RowErrorBody]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportBody:
        return cls(rows_read=report.rows_read, rows_imported=report.rows_imported,
                   rows_rejected=report.rows_rejected,
                   errors=[RowErrorBody(row=e.row, field=e.field, reason=e.reason) for e in report.errors])


class RejectionBody(BaseModel):
    """A message that did not become a case or a note, and why."""

    rejection_id: str
    channel: str
    reason: str
    detail: str
    field: str | None
    sender: str | None
    channel_message_id: str | None
    received_at: Instant


class RejectionPage(BaseModel):
    items: list[RejectionBody]
    next_page_token: str

    @classmethod
    def of(cls, found: list[RecordedRejection], token: str) -> RejectionPage:
        return cls(items=[RejectionBody(
            rejection_id=r.rejection_id, channel=r.rejection.channel.value, reason=r.rejection.reason,
            detail=r.rejection.detail, field=r.rejection.field, sender=r.rejection.sender,
            channel_message_id=r.rejection.channel_message_id, received_at=r.rejection.received_at) for r in found],
            next_page_token=token)
