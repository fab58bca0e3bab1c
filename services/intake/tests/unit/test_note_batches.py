"""Which repeated alarms travel to their case together, and the note they make (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.domain.note_batches import Foldable, batch_note, foldable, form_batches

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def alarm(receipt: str, case: str, second: int, text: str = "VIDEO-LOSS repeated") -> Foldable:
    return Foldable(receipt, case, T0 + timedelta(seconds=second), text)


def ids(batches: list[list[Foldable]]) -> list[list[str]]:
    return [[member.receipt_id for member in batch] for batch in batches]


def test_alarms_are_grouped_per_case_in_the_order_received() -> None:
    alarms = [alarm("c", "EA-1", 3), alarm("a", "EA-1", 1), alarm("x", "EA-2", 2), alarm("b", "EA-1", 2)]
    assert ids(form_batches(alarms)) == [["a", "b", "c"], ["x"]]


def test_a_batch_is_cut_at_its_size_and_at_the_notes_length() -> None:
    many = [alarm(f"r{n:02d}", "EA-1", n) for n in range(7)]
    assert ids(form_batches(many, max_members=3)) == [["r00", "r01", "r02"], ["r03", "r04", "r05"],
                                                                   ["r06"]]
    long = [alarm(f"r{n}", "EA-1", n, "x" * 40) for n in range(5)]
    # 40 + 2 + 40 = 82 fits in 90; a third would make 124
    assert ids(form_batches(long, max_chars=90)) == [["r0", "r1"], ["r2", "r3"], ["r4"]]


def test_an_alarm_longer_than_a_note_still_travels_alone() -> None:
    assert ids(form_batches([alarm("big", "EA-1", 0, "x" * 100)], max_chars=50)) == [["big"]]


def test_the_note_of_one_alarm_is_its_own_note_and_of_several_each_in_turn() -> None:
    assert batch_note(["Alarm A:\nfirst"]) == "Alarm A:\nfirst"
    assert batch_note(["Alarm A:\nfirst", "Alarm A:\nsecond"]) == "Alarm A:\nfirst\n\nAlarm A:\nsecond"


def test_only_a_repeated_alarm_onto_a_known_case_not_yet_batched_joins_a_batch() -> None:
    assert foldable("alarm_folded", "EA-1", None, "note")
    assert not foldable("alarm_folded", None, None, "note")  # its case is still being opened
    assert not foldable("alarm_folded", "EA-1", "batch-1", "note")  # in a batch already, for good
    assert not foldable("duplicate_noted", "EA-1", None, "note")  # people's reports stay notes of their own
