"""Where a report goes: a note on a case it quotes, a note on the open case an alarm repeats or a
report duplicates, or a new case (pure).

A case still being opened (its receipt pending, no number yet) counts as open: its `OpenCase`
carries `pending_case_ref(receipt_id)` as the case number, so twenty alarms arriving before cases
has answered still make one case and nineteen notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from intake.domain.duplicates import DuplicateRule, OpenCase, find_duplicate, fold_alarm
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel

_PENDING = "receipt:"


class Outcome(StrEnum):
    NEW_CASE = "new_case"
    NOTE_ON_QUOTED_CASE = "note_on_quoted_case"
    ALARM_FOLDED = "alarm_folded"
    DUPLICATE_NOTED = "duplicate_noted"

    @property
    def adds_note(self) -> bool:
        return self is not Outcome.NEW_CASE


def pending_case_ref(receipt_id: str) -> str:
    """The stand-in case number of a case whose receipt is still pending."""
    return _PENDING + receipt_id


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    target_case_number: str | None = None  # a note on this case ...
    target_receipt_id: str | None = None  # ... or on the case this pending receipt opens
    reason: str = ""

    @classmethod
    def note_on(cls, outcome: Outcome, case_ref: str, reason: str) -> Route:
        if case_ref.startswith(_PENDING):
            return cls(outcome, target_receipt_id=case_ref[len(_PENDING):], reason=reason)
        return cls(outcome, target_case_number=case_ref, reason=reason)


def route(
    request: IntakeRequest,
    asset_key: str | None,
    open_cases: Iterable[OpenCase],
    rule: DuplicateRule | None = None,
) -> Route:
    if request.quoted_case_number is not None:
        return Route(Outcome.NOTE_ON_QUOTED_CASE, target_case_number=request.quoted_case_number,
                     reason=f"quotes case {request.quoted_case_number}")
    cases = list(open_cases)
    if request.channel is Channel.ALARM and asset_key and request.alarm_code:
        folded = fold_alarm(asset_key, request.alarm_code, cases)
        if folded is not None:
            return Route.note_on(Outcome.ALARM_FOLDED, folded, f"alarm {request.alarm_code} repeats on an open case")
        return Route(Outcome.NEW_CASE)
    duplicate = find_duplicate(asset_key, request.error_codes, request.description, request.received_at, cases, rule)
    if duplicate is not None:
        return Route.note_on(Outcome.DUPLICATE_NOTED, duplicate.case_number,
                             f"same asset, {duplicate.reason}, opened within the duplicate window")
    return Route(Outcome.NEW_CASE)
