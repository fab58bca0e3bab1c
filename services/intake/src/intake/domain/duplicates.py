"""Duplicate detection and alarm folding (pure rules over snapshots of open cases).

Duplicate: a report about the same asset with the same symptom as a case opened within the
window (24 h by default) is a duplicate of that case. The symptom is the same when the two share
an error code; when either side has no error code, when their normalised descriptions are
similar enough (character-bigram Dice coefficient ≥ 0.75, which works for Chinese text without
word breaks). Two reports with different error codes are different symptoms.

Alarm folding: an alarm for the same asset and alarm code as a still-open case is a note on it,
however long ago that case opened.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class OpenCase:
    """What the rules need of a case that is not closed or cancelled."""

    case_number: str
    asset_key: str | None
    opened_at: datetime
    description: str
    error_codes: tuple[str, ...] = ()
    alarm_code: str | None = None


@dataclass(frozen=True)
class DuplicateRule:
    window: timedelta = timedelta(hours=24)
    min_similarity: float = 0.75


@dataclass(frozen=True)
class DuplicateMatch:
    case_number: str
    reason: str


def normalise_description(text: str) -> str:
    """Case-folded, width-folded text without punctuation or spaces."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text]


def description_similarity(first: str, second: str) -> float:
    """Dice coefficient of the character bigrams of the normalised texts, 0.0 … 1.0."""
    a, b = normalise_description(first), normalise_description(second)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    left, right = _bigrams(a), _bigrams(b)
    remaining: dict[str, int] = {}
    for gram in right:
        remaining[gram] = remaining.get(gram, 0) + 1
    shared = 0
    for gram in left:
        if remaining.get(gram, 0):
            remaining[gram] -= 1
            shared += 1
    return 2 * shared / (len(left) + len(right))


def _codes(codes: Iterable[str]) -> set[str]:
    return {normalise_description(code) for code in codes if normalise_description(code)}


def find_duplicate(
    asset_key: str | None,
    error_codes: Iterable[str],
    description: str,
    at: datetime,
    open_cases: Iterable[OpenCase],
    rule: DuplicateRule | None = None,
) -> DuplicateMatch | None:
    """The open case this report duplicates, or None. A shared error code beats a similar text;
    among equals the most recently opened wins. Without an asset nothing is a duplicate."""
    if asset_key is None:
        return None
    rule = rule or DuplicateRule()
    codes = _codes(error_codes)
    best: tuple[int, float, datetime, DuplicateMatch] | None = None
    for case in open_cases:
        if case.asset_key != asset_key or not (at - rule.window <= case.opened_at <= at):
            continue
        shared = codes & _codes(case.error_codes)
        if shared:
            candidate = (2, 1.0, case.opened_at, DuplicateMatch(case.case_number, f"same error code {min(shared)}"))
        elif codes and case.error_codes:
            continue  # both name their errors and none match: a different symptom
        else:
            similarity = description_similarity(description, case.description)
            if similarity < rule.min_similarity:
                continue
            match = DuplicateMatch(case.case_number, f"similar description ({similarity:.0%})")
            candidate = (1, similarity, case.opened_at, match)
        if best is None or candidate[:3] > best[:3]:
            best = candidate
    return best[3] if best else None


def fold_alarm(asset_key: str, alarm_code: str, open_cases: Iterable[OpenCase]) -> str | None:
    """The case number of the open case this alarm repeats (same asset, same code), or None."""
    code = normalise_description(alarm_code)
    newest: OpenCase | None = None
    for case in open_cases:
        if case.asset_key != asset_key:
            continue
        codes = _codes(case.error_codes) | _codes([case.alarm_code] if case.alarm_code else [])
        if code in codes and (newest is None or case.opened_at > newest.opened_at):
            newest = case
    return newest.case_number if newest else None
