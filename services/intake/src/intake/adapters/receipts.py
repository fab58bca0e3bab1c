"""A receipt as callers see it: the submission's state, its case number once known, and why.

Loaded here because the pipeline answers with one too; who may read one is `intake.reads`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import select

from intake.adapters.submissions import Submission
from intake.adapters.tables import submissions as table
from intake.domain.routing import Outcome


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
    def of(cls, submission: Submission) -> Receipt:
        return cls(
            receipt_id=submission.receipt_id, channel=submission.channel, state=submission.state.value,
            outcome=submission.outcome, case_id=submission.case_id, case_number=submission.case_number or (
                # a pending note folded onto a case intake knows names it already (a repeated alarm is answered
                # before it is added); a quoted number is the sender's word until cases takes the note
                submission.target_case_number if submission.outcome != Outcome.NOTE_ON_QUOTED_CASE.value else None),
            received_at=submission.received_at, submitted_at=submission.submitted_at,
            attempts=submission.attempts, last_error=submission.last_error, identification=submission.identification,
            attachments=tuple(submission.request.get("attachments", ())), partner_id=submission.partner_id,
        )


async def load(database: Database, receipt_id: str) -> Receipt | None:
    async with database.reading() as connection:
        row = (await connection.execute(select(table).where(table.c.receipt_id == receipt_id))).mappings().first()
    if row is None:
        return None
    return Receipt.of(Submission.of(row))
