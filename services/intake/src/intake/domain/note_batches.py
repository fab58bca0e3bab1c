"""Repeated alarms folded into one note: in a storm, the alarms waiting to go onto one case travel together.

A device in trouble repeats its alarm many times a minute. Each repeat is still its own receipt (none is
lost), but the case gets them as one note per delivery, each alarm a paragraph of it, instead of one note,
one timeline entry and one event per repeat. Which alarms make a batch is decided once, when the deliverer
claims them, and recorded; a batch sent again after a crash is the same batch, so cases adds it once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from intake.domain.case_plan import MAX_CASE_TEXT
from intake.domain.routing import Outcome

MAX_ALARMS_PER_NOTE = 50  # a note an engineer can still read through
_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Foldable:
    """What batching needs to know of a pending alarm."""

    receipt_id: str
    target_case_number: str
    received_at: datetime
    note_text: str


def foldable(outcome: str, target_case_number: str | None, note_batch: str | None, note_text: str) -> bool:
    """A repeated alarm onto a known case, not in a batch yet, with a note to add: it may join a batch."""
    return (outcome == Outcome.ALARM_FOLDED.value and bool(target_case_number) and note_batch is None
            and bool(note_text))


def form_batches(alarms: Sequence[Foldable], *, max_members: int = MAX_ALARMS_PER_NOTE,
                 max_chars: int = MAX_CASE_TEXT) -> list[list[Foldable]]:
    """The alarms grouped per case, in the order they were received, each group cut where one more alarm would
    pass `max_members` or make the note longer than `max_chars`."""
    by_case: dict[str, list[Foldable]] = defaultdict(list)
    for alarm in alarms:
        by_case[alarm.target_case_number].append(alarm)
    batches: list[list[Foldable]] = []
    for members in by_case.values():
        members.sort(key=lambda alarm: (alarm.received_at, alarm.receipt_id))
        current: list[Foldable] = []
        length = 0
        for alarm in members:
            added = len(alarm.note_text) + (len(_SEPARATOR) if current else 0)
            if current and (len(current) >= max_members or length + added > max_chars):
                batches.append(current)
                current, length = [], 0
                added = len(alarm.note_text)
            current.append(alarm)
            length += added
        if current:
            batches.append(current)
    return batches


def batch_note(texts: Sequence[str]) -> str:
    """The note a batch adds: each alarm's own note, in the order received (one alarm: exactly its note)."""
    return _SEPARATOR.join(texts)
