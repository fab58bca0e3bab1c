"""Spare parts as a use case: lock the depot's level, apply the move (domain/stock.py), record the
move, and raise `aftercare.stock.low.v1` when a move takes a part down to its minimum."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument, Unavailable

from dispatch.adapters import stock_store
from dispatch.adapters.proto_values import stamp
from dispatch.domain import stock as rules
from dispatch.domain.stock import Move, MoveKind, StockLevel

T = TypeVar("T")


class StockHandlers:
    def __init__(self, database: Database, region: str) -> None:
        self._db = database
        self._region = region

    async def move(self, kind_word: str, depot: str, part: str, quantity: int, case_id: str, note: str) -> StockLevel:
        kind = _kind(kind_word)
        if kind in (MoveKind.TRANSFER_IN, MoveKind.TRANSFER_OUT):
            raise InvalidArgument.for_field("move.kind", "use TransferStock: both depots move together")
        return await _again_if_changed(lambda: self._move(kind, depot, part, quantity, case_id, note))

    async def _move(self, kind: MoveKind, depot: str, part: str, quantity: int, case_id: str,
                    note: str) -> StockLevel:
        async with self._db.unit_of_work() as uow:
            depot, part = _name(depot, "move.depot"), _name(part, "move.part")
            level, stored = await stock_store.level_for_update(uow, depot, part)
            done = Move(kind, level.depot, level.part, quantity, uow.clock.now(), case_id.strip(), note)
            after = rules.apply_move(level, done)
            await stock_store.save(uow, level, after, stored, [done])
            self._alert_if_low(uow, level, after, case_id)
        return after

    async def transfer(self, from_depot: str, to_depot: str, part: str, quantity: int,
                       case_id: str) -> tuple[StockLevel, StockLevel]:
        return await _again_if_changed(lambda: self._transfer(from_depot, to_depot, part, quantity, case_id))

    async def _transfer(self, from_depot: str, to_depot: str, part: str, quantity: int,
                        case_id: str) -> tuple[StockLevel, StockLevel]:
        part = _name(part, "part")
        async with self._db.unit_of_work() as uow:
            # lock in a fixed order so two opposite transfers cannot deadlock
            source_name, target_name = _name(from_depot, "from_depot"), _name(to_depot, "to_depot")
            locked = {d: await stock_store.level_for_update(uow, d, part) for d in sorted({source_name, target_name})}
            (source, source_stored), (target, target_stored) = locked[source_name], locked[target_name]
            after_source, after_target, out, into = rules.transfer(source, target, quantity, uow.clock.now(),
                                                                   case_id.strip())
            await stock_store.save(uow, source, after_source, source_stored, [out])
            await stock_store.save(uow, target, after_target, target_stored, [into])
            self._alert_if_low(uow, source, after_source, case_id)
        return after_source, after_target

    async def set_minimum(self, depot: str, part: str, minimum: int) -> StockLevel:
        if minimum < 0:
            raise InvalidArgument.for_field("minimum", f"must not be negative, got {minimum}")
        return await _again_if_changed(lambda: self._set_minimum(depot, part, minimum))

    async def _set_minimum(self, depot: str, part: str, minimum: int) -> StockLevel:
        async with self._db.unit_of_work() as uow:
            level, stored = await stock_store.level_for_update(uow, _name(depot, "depot"), _name(part, "part"))
            after = replace(level, minimum=minimum)
            await stock_store.save(uow, level, after, stored, [])
            self._alert_if_low(uow, level, after, "")
        return after

    async def depot(self, depot: str) -> tuple[list[StockLevel], list[Move]]:
        async with self._db.unit_of_work() as uow:
            name = _name(depot, "depot")
            return await stock_store.levels(uow, name), await stock_store.moves(uow, name)

    def _alert_if_low(self, uow: UnitOfWork, before: StockLevel, after: StockLevel, case_id: str) -> None:
        if after.low and not (before.low and before.minimum == after.minimum) and after.minimum > 0:
            uow.emit("aftercare.stock.low.v1", subject=f"{after.depot}/{after.part}", region=self._region,
                     data=ev.StockLow(depot=after.depot, part=after.part, available=after.available,
                                      minimum=after.minimum, occurred_at=stamp(uow.clock.now()), case_id=case_id))


async def _again_if_changed(attempt: Callable[[], Awaitable[T]], tries: int = 50) -> T:
    """Run the whole read-decide-write again when another move got in first (compare-and-set lost)."""
    for _ in range(tries - 1):
        try:
            return await attempt()
        except stock_store.StockChanged:
            await asyncio.sleep(0)
    try:
        return await attempt()
    except stock_store.StockChanged:
        raise Unavailable("the stock changed under too many moves at once; try again") from None


def _kind(word: str) -> MoveKind:
    try:
        return MoveKind(word.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in MoveKind)
        raise InvalidArgument.for_field("move.kind", f"{word!r} is not a stock move; one of {known}") from None


def _name(text: str, field: str) -> str:
    if not text.strip():
        raise InvalidArgument.for_field(field, "is required")
    return text.strip()
