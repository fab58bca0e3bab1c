"""Spare parts: moves per depot, never negative, traceable to a case, low-stock alerts, transfers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dispatch.domain.stock import Move, MoveKind, StockLevel, apply_move, transfer

AT = datetime(2026, 12, 3, 2, tzinfo=UTC)


def move(kind: MoveKind, quantity: int, case_id: str = "c1") -> Move:
    return Move(kind, "east-wh", "HDD-4T", quantity, AT, case_id)


def test_reserve_issue_consume_and_return_the_defective_part() -> None:
    level = apply_move(StockLevel("east-wh", "HDD-4T", minimum=2), move(MoveKind.RECEIVE, 5, case_id=""))
    level = apply_move(level, move(MoveKind.RESERVE, 2))
    assert (level.on_hand, level.reserved, level.available) == (5, 2, 3)
    level = apply_move(level, move(MoveKind.ISSUE, 2))
    assert (level.on_hand, level.reserved) == (3, 0)
    level = apply_move(level, move(MoveKind.CONSUME, 1))
    level = apply_move(level, move(MoveKind.RETURN_DEFECTIVE, 1))
    assert (level.on_hand, level.defective, level.low) == (2, 1, True)


def test_stock_never_goes_negative_and_every_case_move_names_its_case() -> None:
    level = StockLevel("east-wh", "HDD-4T", on_hand=1)
    with pytest.raises(FailedPrecondition, match="never goes negative"):
        apply_move(level, move(MoveKind.RESERVE, 2))
    with pytest.raises(FailedPrecondition):
        apply_move(level, move(MoveKind.CONSUME, 2))
    with pytest.raises(InvalidArgument) as no_case:
        apply_move(level, move(MoveKind.CONSUME, 1, case_id=""))
    assert no_case.value.violations[0].field == "case_id"
    with pytest.raises(InvalidArgument):
        apply_move(level, move(MoveKind.RECEIVE, 0))


def test_a_transfer_moves_both_sides_or_neither() -> None:
    source = StockLevel("east-wh", "HDD-4T", on_hand=3)
    van = StockLevel("van-7", "HDD-4T")
    after_source, after_van, out, into = transfer(source, van, 2, AT)
    assert (after_source.on_hand, after_van.on_hand) == (1, 2)
    assert (out.kind, into.kind) == (MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN)
    with pytest.raises(FailedPrecondition):
        transfer(after_source, after_van, 2, AT)
