"""Spare-part stock: the domain's levels and moves as the contract's StockLevel and StockMove."""

from __future__ import annotations

from aftercare.dispatch.v1 import dispatch_pb2 as pb

from dispatch.adapters.proto_values import stamp
from dispatch.domain.stock import Move, StockLevel


def stock_level_to_proto(level: StockLevel) -> pb.StockLevel:
    return pb.StockLevel(
        depot=level.depot,
        part=level.part,
        on_hand=level.on_hand,
        reserved=level.reserved,
        defective=level.defective,
        minimum=level.minimum,
        available=level.available,
        low=level.low,
    )


def stock_move_to_proto(move: Move) -> pb.StockMove:
    return pb.StockMove(
        kind=move.kind.value,
        depot=move.depot,
        part=move.part,
        quantity=move.quantity,
        case_id=move.case_id,
        note=move.note,
        at_time=stamp(move.at),
    )
