"""The hash-chained timeline: sealing, and verification catching edits, removals and reorderings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from types import SimpleNamespace

import pytest
from cases.domain import commands
from cases.domain.case import Case
from cases.domain.timeline import ChainHead, EntryDraft, TimelineEntry, genesis_hash, seal, verify_chain
from cases.domain.vocabulary import Status, Visibility

T = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def draft(i: int, **overrides: object) -> EntryDraft:
    base = EntryDraft(
        at=T + timedelta(minutes=i),
        actor={"subject_id": f"eng-{i % 2}", "role": "engineer"},
        kind="note_added",
        visibility=Visibility.INTERNAL if i % 3 == 0 else Visibility.PUBLIC,
        payload={"text": f"step {i}", "nested": {"n": i, "list": [1, "二", None]}},
    )
    return replace(base, **overrides)


def chain(n: int = 6, case_id: str = "case-1") -> list[TimelineEntry]:
    entries, head = seal(ChainHead.genesis(case_id), [draft(i) for i in range(1, n + 1)])
    assert head.position == n and head.hash == entries[-1].hash
    return entries


def test_sealing_numbers_and_links_entries() -> None:
    entries = chain()
    assert [e.position for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].previous_hash == genesis_hash("case-1")
    for before, after in pairwise(entries):
        assert after.previous_hash == before.hash
    assert len({e.hash for e in entries}) == 6
    result = verify_chain(entries)
    assert result.ok and result.entries_checked == 6 and result.head_hash == entries[-1].hash


def test_appending_in_batches_gives_the_same_chain() -> None:
    whole = chain(6)
    first, head = seal(ChainHead.genesis("case-1"), [draft(i) for i in range(1, 4)])
    rest, _ = seal(ChainHead.of("case-1", first[-1]), [draft(i) for i in range(4, 7)])
    assert [e.hash for e in first + rest] == [e.hash for e in whole]
    assert head == ChainHead("case-1", 3, first[-1].hash)


def test_the_hash_does_not_depend_on_the_time_zone_the_time_was_written_in() -> None:
    entries = chain(1)
    shanghai = timezone(timedelta(hours=8))
    same_instant = replace(entries[0], at=entries[0].at.astimezone(shanghai))
    assert verify_chain([same_instant]).ok


@pytest.mark.parametrize(
    "edit",
    [
        {"payload": {"text": "step 3 (edited)", "nested": {"n": 3, "list": [1, "二", None]}}},
        {"at": T + timedelta(minutes=30)},
        {"actor": {"subject_id": "someone-else", "role": "engineer"}},
        {"kind": "resolved"},
        {"visibility": Visibility.PUBLIC},
        {"corrects_position": 1},
    ],
    ids=["payload", "time", "actor", "kind", "visibility", "corrects"],
)
def test_an_edited_entry_is_caught(edit: dict[str, object]) -> None:
    entries = chain()
    entries[2] = replace(entries[2], **edit)
    result = verify_chain(entries)
    assert not result.ok
    assert result.first_bad_position == 3
    assert result.reason == "the entry's content does not match its hash"


def test_an_edit_that_also_rewrites_the_hash_breaks_the_next_link() -> None:
    entries = chain()
    forged = replace(entries[2], payload={"text": "forged"})
    forged_hash = seal(ChainHead("case-1", 2, entries[1].hash), [draft(3, payload={"text": "forged"})])[0][0].hash
    entries[2] = replace(forged, hash=forged_hash)
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_position == 4
    assert "link" in (result.reason or "")


def test_a_removed_entry_is_caught() -> None:
    entries = chain()
    del entries[3]
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_position == 4
    assert "position 5 found where 4 belongs" == result.reason


def test_a_removed_first_entry_is_caught() -> None:
    result = verify_chain(chain()[1:])
    assert not result.ok and result.first_bad_position == 1


def test_a_removed_last_entry_is_caught_with_the_recorded_head() -> None:
    entries = chain()
    head = entries[-1].hash
    assert verify_chain(entries[:-1]).ok, "a shorter chain is still a chain..."
    result = verify_chain(entries[:-1], expected_head=head)
    assert not result.ok and result.first_bad_position == 6, "...but not the one the case recorded"
    assert not verify_chain([], case_id="case-1", expected_head=head).ok


def test_reordered_entries_are_caught() -> None:
    entries = chain()
    entries[2], entries[3] = entries[3], entries[2]
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_position == 3


def test_reordered_entries_with_renumbered_positions_are_caught() -> None:
    entries = chain()
    third, fourth = entries[2], entries[3]
    entries[2] = replace(fourth, position=3)
    entries[3] = replace(third, position=4)
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_position == 3


def test_entries_cannot_move_to_another_case() -> None:
    theirs = chain(case_id="case-2")
    moved = [replace(e, case_id="case-1") for e in theirs]
    result = verify_chain(moved)
    assert not result.ok and result.first_bad_position == 1
    assert not verify_chain(theirs, case_id="case-1").ok


def test_an_empty_timeline_is_a_valid_chain() -> None:
    assert verify_chain([], case_id="case-1").ok


def test_a_correction_is_a_new_entry_pointing_back(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    noted = commands.add_note(
        case, people.engineer, case.updated_at, text="replaced port 3", visibility=Visibility.INTERNAL
    )
    [note], head = seal(ChainHead.genesis(case.id), noted.entries)
    corrected = commands.correct_entry(
        noted.case, people.engineer, case.updated_at, original=note, text="port 5, not 3"
    )
    [correction], _ = seal(head, corrected.entries)
    assert correction.kind == "correction" and correction.corrects_position == 1
    assert correction.visibility is Visibility.INTERNAL, "a correction is as visible as what it corrects"
    assert note.payload["text"] == "replaced port 3", "the original stays as it was"
    assert verify_chain([note, correction]).ok
    assert corrected.event("entry_corrected").customer_visible is False
    assert corrected.event("entry_corrected").payload.get("text") is None


def test_only_the_author_or_a_supervisor_corrects(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    from aftercare_platform.errors import NotFound, PermissionDenied

    case = case_in(Status.IN_PROGRESS)
    noted = commands.add_note(case, people.engineer, case.updated_at, text="x", visibility=Visibility.INTERNAL)
    [note], _ = seal(ChainHead.genesis(case.id), noted.entries)
    with pytest.raises(PermissionDenied):
        commands.correct_entry(noted.case, people.engineer2, case.updated_at, original=note, text="y")
    assert commands.correct_entry(noted.case, people.supervisor, case.updated_at, original=note, text="y").entries
    with pytest.raises(NotFound):  # the customer cannot see the internal entry, let alone correct it
        commands.correct_entry(noted.case, people.customer, case.updated_at, original=note, text="y")


def test_a_correction_must_point_backwards() -> None:
    entries, _ = seal(ChainHead.genesis("case-1"), [draft(1), draft(2, corrects_position=2)])
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_position == 2


def test_the_whole_walk_of_a_case_seals_into_a_valid_chain(
    case_in: Callable[..., Case], people: SimpleNamespace, report, fault_report
) -> None:
    at = iter(T + timedelta(minutes=i) for i in range(100))
    drafts: list[EntryDraft] = []
    decision = commands.open_case(report(), case_id="c-7", number="EA-20261121-000007", actor=people.agent, at=next(at))
    drafts += decision.entries
    for step in (
        lambda c: commands.assign(c, people.agent, next(at), assignee="eng-1"),
        lambda c: commands.acknowledge(c, people.engineer, next(at)),
        lambda c: commands.add_note(c, people.customer, next(at), text="thanks"),
        lambda c: commands.resolve(c, people.engineer, next(at), fault_report=fault_report),
        lambda c: commands.confirm(c, people.customer, next(at)),
    ):
        decision = step(decision.case)
        drafts += decision.entries
    entries, head = seal(ChainHead.genesis("c-7"), drafts)
    assert [e.kind for e in entries] == ["created", "assigned", "acknowledged", "note_added", "resolved", "confirmed"]
    assert verify_chain(entries, expected_head=head.hash).ok
