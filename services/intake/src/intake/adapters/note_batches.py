"""The rows of a batch of repeated alarms (see `domain.note_batches`): pulled in, recorded, read and marked together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters.submissions import State
from intake.adapters.tables import submissions
from intake.domain.note_batches import Foldable
from intake.domain.routing import Outcome

_ORDER = (submissions.c.received_at, submissions.c.receipt_id)


async def pull_waiting_alarms(connection: AsyncConnection, case_numbers: Iterable[str], *,
                              per_case: int) -> list[Foldable]:
    """Lock the other repeated alarms waiting for these cases (the first `per_case` received of each), so they
    go in the batch being formed: only ones no deliverer ever leased or batched (nothing sent them yet), due or
    not (a repeat that came a moment ago goes with the ones before it rather than wait to make a note alone)."""
    wanted = sorted(set(case_numbers))
    if not wanted:
        return []
    ranked = select(submissions.c.receipt_id, func.row_number().over(
        partition_by=submissions.c.target_case_number, order_by=_ORDER).label("n")).where(
        submissions.c.state == State.PENDING.value, submissions.c.outcome == Outcome.ALARM_FOLDED.value,
        submissions.c.claimed_until.is_(None), submissions.c.note_batch.is_(None), submissions.c.attempts == 0,
        submissions.c.target_case_number.in_(wanted)).subquery()
    # locked, not written: `record_batches` leases them with their batch, one write each (another replica skips them)
    pulled = await connection.execute(
        select(submissions.c.receipt_id, submissions.c.target_case_number, submissions.c.received_at, _NOTE_TEXT)
        .where(submissions.c.receipt_id.in_(select(ranked.c.receipt_id).where(ranked.c.n <= per_case)))
        .with_for_update(skip_locked=True))
    return [Foldable(*row) for row in pulled.all()]


# read out of the plan by the database: the rest of the plan is not decoded for it
_NOTE_TEXT = submissions.c.plan["note_text"].as_string().label("note_text")


async def record_batches(connection: AsyncConnection, batches: Sequence[Sequence[Foldable]],
                         lease_until: datetime) -> None:
    """Each batch's members now belong to it, for good (its id is its first member's receipt id), and are leased."""
    rows = [{"the_receipt": member.receipt_id, "the_batch": batch[0].receipt_id, "the_lease": lease_until}
            for batch in batches for member in batch]
    if rows:
        await connection.execute(_RECORD, rows)


_RECORD = update(submissions).where(submissions.c.receipt_id == bindparam("the_receipt")).values(
    note_batch=bindparam("the_batch", type_=submissions.c.note_batch.type),
    claimed_until=bindparam("the_lease", type_=submissions.c.claimed_until.type))


@dataclass(frozen=True)
class Member:
    """What delivering a batch reads of each member (not the request and identification it has no use for)."""

    receipt_id: str
    channel: str
    state: State
    attempts: int
    target_case_number: str | None
    received_at: datetime
    note_text: str
    note_internal: bool | None
    on_behalf: dict[str, str] | None


_MEMBER_COLUMNS = [*(submissions.c[name] for name in ("receipt_id", "channel", "state", "attempts",
                                                       "target_case_number", "received_at")), _NOTE_TEXT,
                   submissions.c.plan["note_internal"].as_boolean().label("note_internal"),
                   submissions.c.plan["on_behalf"].label("on_behalf")]


async def members(connection: AsyncConnection, batch_id: str) -> list[Member]:
    """Every member of the batch, whatever its state, in the order received (the order of the note)."""
    found = await connection.execute(_MEMBERS, {"the_batch": batch_id})
    return [Member(**{**row, "state": State(row["state"])}) for row in found.mappings()]


_MEMBERS = select(*_MEMBER_COLUMNS).where(submissions.c.note_batch == bindparam("the_batch")).order_by(*_ORDER)


async def mark_batch(connection: AsyncConnection, batch_id: str, **values: Any) -> list[Member]:
    """Record one delivery attempt of the batch on each of its pending members (their attempts counted)."""
    marked = await connection.execute(
        update(submissions)
        .where(submissions.c.note_batch == batch_id, submissions.c.state == State.PENDING.value)
        .values(attempts=submissions.c.attempts + 1, claimed_until=None, **values)
        .returning(*_MEMBER_COLUMNS))
    return [Member(**{**row, "state": State(row["state"])}) for row in marked.mappings()]
