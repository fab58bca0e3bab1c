"""Stock levels and moves in dispatch's schema, in the caller's unit of work."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.unit_of_work import UnitOfWork
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.adapters.tables import stock_levels, stock_moves
from dispatch.domain.stock import Move, MoveKind, StockLevel

_KEY = ("depot", "part")


async def level_for_update(uow: UnitOfWork, depot: str, part: str) -> tuple[StockLevel, bool]:
    """The level (locked) and whether it is stored yet; an unknown depot/part starts at zero."""
    query = (select(stock_levels).where(stock_levels.c.depot == depot, stock_levels.c.part == part)
             .with_for_update())
    row = (await uow.connection.execute(query)).mappings().first()
    if row is None:
        return StockLevel(depot, part), False
    return _level(row), True


class StockChanged(Exception):
    """Another move changed the level since it was read (SQLite has no row locks): read again."""


async def save(uow: UnitOfWork, before: StockLevel, level: StockLevel, stored: bool, moves: list[Move]) -> None:
    """Write `level` only if the row still holds `before` (compare-and-set), with the moves that made it."""
    values = {"on_hand": level.on_hand, "reserved": level.reserved, "defective": level.defective,
              "minimum": level.minimum, "updated_at": uow.clock.now()}
    c = stock_levels.c
    if stored:
        result = await uow.connection.execute(update(stock_levels).where(
            c.depot == level.depot, c.part == level.part, c.on_hand == before.on_hand,
            c.reserved == before.reserved, c.defective == before.defective, c.minimum == before.minimum,
        ).values(**values))
        if not getattr(result, "rowcount", 0):
            raise StockChanged(f"{level.depot}/{level.part}")
    else:
        try:
            async with uow.connection.begin_nested():
                await uow.connection.execute(insert(stock_levels).values(depot=level.depot, part=level.part, **values))
        except IntegrityError:
            raise StockChanged(f"{level.depot}/{level.part}") from None
    for move in moves:
        await uow.connection.execute(insert(stock_moves).values(
            kind=move.kind.value, depot=move.depot, part=move.part, quantity=move.quantity, case_id=move.case_id,
            note=move.note, at=move.at))


async def levels(uow: UnitOfWork, depot: str) -> list[StockLevel]:
    rows = await uow.connection.execute(select(stock_levels).where(stock_levels.c.depot == depot)
                                     .order_by(stock_levels.c.part))
    return [_level(r) for r in rows.mappings()]


async def moves(uow: UnitOfWork, depot: str, limit: int = 200) -> list[Move]:
    rows = await uow.connection.execute(select(stock_moves).where(stock_moves.c.depot == depot)
                                     .order_by(stock_moves.c.id.desc()).limit(limit))
    return [Move(MoveKind(r["kind"]), r["depot"], r["part"], r["quantity"], r["at"], r["case_id"], r["note"])
            for r in rows.mappings()]


def _level(row: Any) -> StockLevel:
    return StockLevel(row["depot"], row["part"], row["on_hand"], row["reserved"], row["defective"], row["minimum"])
