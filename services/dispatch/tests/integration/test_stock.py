"""Spare parts in the database (PostgreSQL and SQLite): moves and transfers, the level never negative,
a low-stock alert once when a part falls to its minimum, every move kept with its case."""

from __future__ import annotations

import asyncio

import pytest
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import FailedPrecondition
from dispatch.stock_handlers import StockHandlers

from .test_decisions_once import _outbox, clock, database  # noqa: F401  (fixtures)


async def test_moves_transfers_and_the_low_stock_alert(database: Database) -> None:  # noqa: F811
    stock = StockHandlers(database, "east")
    await stock.move("receive", "east-wh", "HDD-4T", 6, "", "delivery 881")
    await stock.set_minimum("east-wh", "HDD-4T", 2)
    await stock.move("reserve", "east-wh", "HDD-4T", 2, "case-1", "")
    await stock.move("issue", "east-wh", "HDD-4T", 2, "case-1", "")
    assert await _outbox(database, "aftercare.stock.low.v1") == 0
    source, van = await stock.transfer("east-wh", "van-7", "HDD-4T", 2, "")
    assert (source.available, van.available, source.low) == (2, 2, True)
    assert await _outbox(database, "aftercare.stock.low.v1") == 1
    await stock.move("reserve", "east-wh", "HDD-4T", 1, "case-2", "")  # lower still: no second alert
    assert await _outbox(database, "aftercare.stock.low.v1") == 1

    with pytest.raises(FailedPrecondition, match="never goes negative"):
        await stock.move("consume", "van-7", "HDD-4T", 3, "case-3", "")
    with pytest.raises(FailedPrecondition):
        await stock.transfer("east-wh", "van-9", "HDD-4T", 5, "")

    levels, moves = await stock.depot("east-wh")
    assert [(lv.part, lv.on_hand, lv.reserved) for lv in levels] == [("HDD-4T", 2, 1)]
    assert [(m.kind.value, m.quantity, m.case_id) for m in moves] == [
        ("reserve", 1, "case-2"), ("transfer_out", 2, ""), ("issue", 2, "case-1"), ("reserve", 2, "case-1"),
        ("receive", 6, "")]


async def test_concurrent_reservations_never_oversell(database: Database) -> None:  # noqa: F811
    stock = StockHandlers(database, "east")
    await stock.move("receive", "east-wh", "PSU-12V", 5, "", "")
    results = await asyncio.gather(*(stock.move("reserve", "east-wh", "PSU-12V", 1, f"case-{i}", "")
                                     for i in range(8)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    assert len(refused) == 3 and len(results) - len(refused) == 5
    levels, _ = await stock.depot("east-wh")
    assert (levels[0].reserved, levels[0].available) == (5, 0)
