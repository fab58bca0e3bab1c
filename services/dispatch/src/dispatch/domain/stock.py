"""Spare parts per depot (a regional warehouse, a customer's on-site spare store, an engineer's van):
reserve, issue, consume, return defective, transfer. Stock never goes negative; every move names the
case it is for (transfers between depots may name none); a level at or under its minimum is a
low-stock alert."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition, InvalidArgument


class MoveKind(StrEnum):
    RECEIVE = "receive"  # new parts into the depot
    RESERVE = "reserve"  # held for a case: still in the depot, not available to others
    RELEASE = "release"  # a reservation given up
    ISSUE = "issue"  # reserved parts leave with the engineer
    CONSUME = "consume"  # used on the case (no longer anyone's stock)
    RETURN_DEFECTIVE = "return_defective"  # the faulty part taken out, kept apart for RMA
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


NEEDS_CASE = frozenset({MoveKind.RESERVE, MoveKind.RELEASE, MoveKind.ISSUE, MoveKind.CONSUME,
                        MoveKind.RETURN_DEFECTIVE})


@dataclass(frozen=True)
class StockLevel:
    depot: str
    part: str
    on_hand: int = 0
    reserved: int = 0
    defective: int = 0
    minimum: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def low(self) -> bool:
        return self.available <= self.minimum


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    depot: str
    part: str
    quantity: int
    at: datetime
    case_id: str = ""
    note: str = ""


def apply_move(level: StockLevel, move: Move) -> StockLevel:
    """The depot's level after the move; refused when it would go negative or lacks its case."""
    if move.quantity <= 0:
        raise InvalidArgument.for_field("quantity", f"must be positive, got {move.quantity}")
    if move.kind in NEEDS_CASE and not move.case_id:
        raise InvalidArgument.for_field("case_id", f"a {move.kind.value} is traceable to a case: name it")
    q = move.quantity
    k = MoveKind
    changes: dict[MoveKind, dict[str, int]] = {
        k.RECEIVE: {"on_hand": q},
        k.TRANSFER_IN: {"on_hand": q},
        k.RESERVE: {"reserved": q},
        k.RELEASE: {"reserved": -q},
        k.ISSUE: {"on_hand": -q, "reserved": -q},
        k.CONSUME: {"on_hand": -q},
        k.TRANSFER_OUT: {"on_hand": -q},
        k.RETURN_DEFECTIVE: {"defective": q},
    }
    after = replace(level, **{name: getattr(level, name) + delta for name, delta in changes[move.kind].items()})
    if after.on_hand < 0 or after.reserved < 0 or after.available < 0:
        raise FailedPrecondition(
            f"{move.kind.value} of {q} × {move.part} at {move.depot} refused: only {level.available} available "
            f"({level.on_hand} on hand, {level.reserved} reserved); stock never goes negative",
            depot=move.depot, part=move.part)
    return after


def transfer(source: StockLevel, target: StockLevel, quantity: int, at: datetime, case_id: str = "") -> tuple[
    StockLevel, StockLevel, Move, Move
]:
    """Both sides of a transfer between depots, or neither."""
    if source.depot == target.depot:
        raise InvalidArgument.for_field("to_depot", "a transfer goes to another depot")
    out = Move(MoveKind.TRANSFER_OUT, source.depot, source.part, quantity, at, case_id, f"to {target.depot}")
    into = Move(MoveKind.TRANSFER_IN, target.depot, target.part, quantity, at, case_id, f"from {source.depot}")
    return apply_move(source, out), apply_move(target, into), out, into
