"""What the deliverer leases, as deliveries: a batch of repeated alarms (`domain.note_batches`) or one submission."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from intake.adapters.submissions import Submission
from intake.domain.note_batches import Foldable, foldable


@dataclass(frozen=True)
class NoteBatch:
    """Repeated alarms that go onto their case as one note (`domain.note_batches`); `claimed`: the members this
    deliverer leased (another may hold the rest after a crash: both send the same note, cases adds it once)."""

    batch_id: str
    claimed: tuple[str, ...]  # their receipt ids


Delivery = Submission | NoteBatch


def foldable_view(submission: Submission) -> Foldable:
    return Foldable(submission.receipt_id, submission.target_case_number or "", submission.received_at,
                    str(submission.plan.get("note_text", "")))


def joins_a_batch(submission: Submission, never_leased: set[str]) -> bool:
    # nothing ever sent it (never leased, no attempt): it may go in a batch without being added twice
    return (submission.receipt_id in never_leased and submission.attempts == 0
            and foldable(submission.outcome, submission.target_case_number, submission.note_batch,
                         foldable_view(submission).note_text))


def as_deliveries(claimed: Sequence[Submission], pulled: Sequence[Foldable], joined: dict[str, str]) -> list[Delivery]:
    """The leased rows as deliveries: a batch's members (joined now, or before a crash) together, the rest alone;
    `pulled`: the repeats leased to join a batch now."""
    alone: list[Delivery] = []
    batches: dict[str, list[str]] = defaultdict(list)
    for submission in claimed:
        batch_id = joined.get(submission.receipt_id, submission.note_batch)
        if batch_id is None:
            alone.append(submission)
        else:
            batches[batch_id].append(submission.receipt_id)
    for repeat in pulled:
        batches[joined[repeat.receipt_id]].append(repeat.receipt_id)
    return alone + [NoteBatch(batch_id, tuple(members)) for batch_id, members in batches.items()]
