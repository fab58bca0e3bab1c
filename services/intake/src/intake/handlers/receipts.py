"""A receipt as callers see it: the submission's state, its case number once known, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import NotFound
from aftercare_platform.validation import uuid_field
from sqlalchemy import select

from intake.adapters.submissions import Submission
from intake.adapters.tables import submissions as table


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    channel: str
    state: str
    outcome: str
    case_id: str | None
    case_number: str | None
    received_at: datetime
    submitted_at: datetime | None
    attempts: int
    last_error: str | None
    identification: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[dict[str, Any], ...] = ()
    partner_id: str | None = None

    @classmethod
    def of(cls, submission: Submission, identification: dict[str, Any]) -> Receipt:
        return cls(
            receipt_id=submission.receipt_id, channel=submission.channel, state=submission.state.value,
            outcome=submission.outcome, case_id=submission.case_id, case_number=submission.case_number,
            received_at=submission.received_at, submitted_at=submission.submitted_at,
            attempts=submission.attempts, last_error=submission.last_error, identification=identification,
            attachments=tuple(submission.request.get("attachments", ())), partner_id=submission.partner_id,
        )


async def load(database: Database, receipt_id: str) -> Receipt | None:
    async with database.engine.connect() as connection:
        row = (await connection.execute(select(table).where(table.c.receipt_id == receipt_id))).mappings().first()
    if row is None:
        return None
    return Receipt.of(Submission.of(row), dict(row["identification"] or {}))


async def get_receipt(database: Database, receipt_id: str, principal: Principal | None) -> Receipt:
    """Staff see every receipt, a partner its own; anyone holding the (unguessable) id sees it when
    `principal` is None, which is how the public web form follows up."""
    key = uuid_field("receipt_id", receipt_id)  # the id a submission was answered with
    receipt = await load(database, key)
    if receipt is None:
        raise NotFound(f"receipt {key} not found", receipt_id=key)
    if principal is not None and not principal.is_staff:
        own = principal.role is Role.PARTNER and receipt.partner_id == principal.subject
        company = receipt.identification.get("company_id")
        customer = principal.role is Role.CUSTOMER and company and company == principal.company_id
        if not (own or customer):
            raise NotFound(f"receipt {key} not found", receipt_id=key)
    return receipt
