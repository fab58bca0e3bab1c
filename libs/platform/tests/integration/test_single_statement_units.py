"""A single-statement unit of work: its statement commits on its own, with no BEGIN and COMMIT round trips
(each statement is its own transaction), and it refuses what only a real transaction could keep."""

from __future__ import annotations

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.harness import open_database
from sqlalchemy import text

TXID = text("SELECT txid_current()")


@pytest.fixture
async def pg(database_url: str):
    database, _ = await open_database(database_url, "single", clock=FakeClock())
    yield database
    await database.close()


async def test_each_statement_of_a_single_statement_unit_is_its_own_transaction(pg) -> None:
    async with pg.unit_of_work() as uow:
        one, two = [(await uow.connection.execute(TXID)).scalar_one() for _ in range(2)]
    assert one == two  # an ordinary unit: one transaction
    async with pg.unit_of_work(single_statement=True) as uow:
        one, two = [(await uow.connection.execute(TXID)).scalar_one() for _ in range(2)]
    assert one != two  # no BEGIN was sent: each statement committed on its own


async def test_a_single_statement_write_is_committed_and_the_pool_goes_back_to_transactions(pg) -> None:
    async with pg.engine.begin() as connection:
        await connection.execute(text(f"CREATE TABLE {pg.schema}.marks (n int)"))
    async with pg.unit_of_work(single_statement=True) as uow:
        await uow.connection.execute(text(f"INSERT INTO {pg.schema}.marks VALUES (1)"))
    async with pg.engine.connect() as connection:
        assert (await connection.execute(text(f"SELECT count(*) FROM {pg.schema}.marks"))).scalar_one() == 1
    async with pg.unit_of_work() as uow:  # the same pooled connection, in a transaction again
        one, two = [(await uow.connection.execute(TXID)).scalar_one() for _ in range(2)]
    assert one == two


async def test_a_single_statement_unit_can_neither_emit_nor_notify(pg) -> None:
    async with pg.unit_of_work(single_statement=True) as uow:
        with pytest.raises(RuntimeError, match="cannot emit an event"):
            uow.emit("case.created", subject="c-1", data={}, region="east")
        with pytest.raises(RuntimeError, match="cannot notify"):
            await uow.notify("channel")
