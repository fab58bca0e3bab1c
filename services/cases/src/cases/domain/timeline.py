"""The append-only, tamper-evident timeline of a case.

Each entry's hash is sha256 over a canonical JSON of (previous hash, position,
time, actor, kind, visibility, payload, corrected position). The first entry
chains to a genesis hash derived from the case id, so entries cannot be moved
between cases either. A correction never edits: it is a new entry whose
`corrects_position` names the entry it corrects.

Commands return `EntryDraft`s; the repository, holding the case row lock, seals
them onto the chain with `seal(head, drafts)` and stores the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cases.domain.vocabulary import Visibility


@dataclass(frozen=True)
class EntryDraft:
    """A timeline entry before it has a position and a hash."""

    at: datetime
    actor: Mapping[str, Any]  # {"subject_id": ..., "role": ..., "company_id"?, "display_name"?}
    kind: str
    visibility: Visibility
    payload: Mapping[str, Any]
    corrects_position: int | None = None


@dataclass(frozen=True)
class TimelineEntry:
    case_id: str
    position: int  # 1, 2, 3, ... with no gaps
    at: datetime
    actor: Mapping[str, Any]
    kind: str
    visibility: Visibility
    payload: Mapping[str, Any]
    corrects_position: int | None
    previous_hash: str
    hash: str

    @property
    def is_public(self) -> bool:
        return self.visibility is Visibility.PUBLIC


@dataclass(frozen=True)
class ChainHead:
    """Where the next entry attaches: the last position and its hash (position 0: genesis)."""

    case_id: str
    position: int
    hash: str

    @classmethod
    def genesis(cls, case_id: str) -> ChainHead:
        return cls(case_id, 0, genesis_hash(case_id))

    @classmethod
    def of(cls, case_id: str, last: TimelineEntry | None) -> ChainHead:
        return cls.genesis(case_id) if last is None else cls(case_id, last.position, last.hash)


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    entries_checked: int
    first_bad_position: int | None = None
    reason: str | None = None
    head_hash: str | None = None


def genesis_hash(case_id: str) -> str:
    return hashlib.sha256(f"aftercare/case/{case_id}".encode()).hexdigest()


def canonical_time(at: datetime) -> str:
    """UTC, microsecond precision: what PostgreSQL's timestamptz gives back unchanged."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("timeline times must carry a time zone")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    previous_hash: str,
    position: int,
    at: datetime,
    actor: Mapping[str, Any],
    kind: str,
    visibility: Visibility,
    payload: Mapping[str, Any],
    corrects_position: int | None,
) -> str:
    document = {
        "previous_hash": previous_hash,
        "position": position,
        "at": canonical_time(at),
        "actor": dict(actor),
        "kind": kind,
        "visibility": visibility.value,
        "payload": dict(payload),
        "corrects_position": corrects_position,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def canonical_json(document: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text unescaped: the bytes the hash covers."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def seal(head: ChainHead, drafts: Sequence[EntryDraft]) -> tuple[list[TimelineEntry], ChainHead]:
    """The drafts as entries chained after `head`, and the new head."""
    entries: list[TimelineEntry] = []
    previous, position = head.hash, head.position
    for draft in drafts:
        position += 1
        digest = entry_hash(
            previous_hash=previous,
            position=position,
            at=draft.at,
            actor=draft.actor,
            kind=draft.kind,
            visibility=draft.visibility,
            payload=draft.payload,
            corrects_position=draft.corrects_position,
        )
        entries.append(
            TimelineEntry(
                case_id=head.case_id,
                position=position,
                at=draft.at,
                actor=dict(draft.actor),
                kind=draft.kind,
                visibility=draft.visibility,
                payload=dict(draft.payload),
                corrects_position=draft.corrects_position,
                previous_hash=previous,
                hash=digest,
            )
        )
        previous = digest
    return entries, ChainHead(head.case_id, position, previous)


def verify_chain(
    entries: Sequence[TimelineEntry],
    *,
    case_id: str | None = None,
    expected_head: str | None = None,
) -> VerificationResult:
    """Check that `entries` (in stored order) are an unaltered chain from genesis.

    Detects an edited entry (its hash no longer matches), a removed or inserted
    entry (a gap in positions or a broken link), a reordered entry (a position out
    of place). A removed *last* entry leaves a valid shorter chain: pass the head
    hash recorded with the case as `expected_head` to catch that too.
    """
    if not entries:
        if expected_head is not None and case_id is not None and expected_head != genesis_hash(case_id):
            return VerificationResult(False, 0, 1, "the timeline is empty but the case records entries")
        return VerificationResult(True, 0, head_hash=genesis_hash(case_id) if case_id else None)
    owner = case_id or entries[0].case_id
    previous = genesis_hash(owner)
    for index, entry in enumerate(entries):
        expected_position = index + 1
        if entry.case_id != owner:
            return _bad(index, expected_position, f"entry belongs to case {entry.case_id}, not {owner}")
        if entry.position != expected_position:
            return _bad(index, expected_position, f"position {entry.position} found where {expected_position} belongs")
        if entry.previous_hash != previous:
            return _bad(index, expected_position, "the link to the previous entry is broken")
        if entry.corrects_position is not None and not 1 <= entry.corrects_position < entry.position:
            return _bad(index, expected_position, "a correction must refer to an earlier entry")
        recomputed = entry_hash(
            previous_hash=entry.previous_hash,
            position=entry.position,
            at=entry.at,
            actor=entry.actor,
            kind=entry.kind,
            visibility=entry.visibility,
            payload=entry.payload,
            corrects_position=entry.corrects_position,
        )
        if recomputed != entry.hash:
            return _bad(index, expected_position, "the entry's content does not match its hash")
        previous = entry.hash
    if expected_head is not None and expected_head != previous:
        return VerificationResult(
            False, len(entries), len(entries) + 1, "entries are missing after the last one found", previous
        )
    return VerificationResult(True, len(entries), head_hash=previous)


def _bad(index: int, position: int, reason: str) -> VerificationResult:
    return VerificationResult(False, index, position, reason)
