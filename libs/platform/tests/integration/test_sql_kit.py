"""The SQL kit on both databases: upserts and insert-ignore (PostgreSQL and SQLite), the LISTEN listener
through a dropped connection, and the outbox INSERT fragment against what `uow.emit` writes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import pytest
from aftercare_platform.bus.envelope import rfc3339
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.listen import ChannelListener
from aftercare_platform.db.statements import (
    Bind,
    among,
    insert_ignore,
    prebuilt,
    transaction_lock,
    transaction_locks,
    upsert,
)
from aftercare_platform.db.unit_of_work import Database, partition_of
from aftercare_platform.outbox.sql_insert import outbox_insert_sql
from aftercare_platform.testing.harness import open_database
from sqlalchemy import Column, CursorResult, Integer, MetaData, String, Table, bindparam, select, text

from .conftest import eventually


def holds(condition: Any) -> Any:
    """`eventually` polls a coroutine; these conditions are plain expressions."""

    async def check() -> bool:
        return bool(condition())

    return check

KV = Table(
    "kv",
    MetaData(),
    Column("k", String(20), primary_key=True),
    Column("v", String(20), nullable=False),
    Column("n", Integer, nullable=False),
)


@pytest.fixture
async def db(any_database_url: str):
    database, _ = await open_database(any_database_url, "kit", clock=FakeClock())
    yield database
    await database.close()


@pytest.fixture
async def pg(database_url: str):
    database, _ = await open_database(database_url, "kit", clock=FakeClock())
    yield database
    await database.close()


def kv_table(schema: str) -> Table:
    return KV.to_metadata(MetaData(), schema=schema)


async def create_kv(db: Database) -> Table:
    table = kv_table(db.schema)
    async with db.engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
    return table


async def rows(db: Database, table: Table) -> dict[str, tuple[str, int]]:
    async with db.engine.connect() as connection:
        return {r.k: (r.v, r.n) for r in await connection.execute(select(table))}


async def test_upserts(db: Database) -> None:
    table = await create_kv(db)
    async with db.unit_of_work() as uow:
        await uow.connection.execute(upsert(uow.connection, table, ["k"], {"k": "a", "v": "first", "n": 1}))
        await uow.connection.execute(upsert(uow.connection, table, ["k"], {"k": "a", "v": "second", "n": 2}))
        # only when the stored row is older: a stale writer changes nothing
        stale = upsert(uow.connection, table, ["k"], {"k": "a", "v": "stale", "n": 0},
                       where=lambda excluded: table.c.n <= excluded.n)
        await uow.connection.execute(stale)
    assert await rows(db, table) == {"a": ("second", 2)}

    async with db.unit_of_work() as uow:
        counter = upsert(uow.connection, table, ["k"], {"k": "c", "v": "count", "n": 1}, update=[],
                         set_={"n": table.c.n + 1}).returning(table.c.n)
        seen = [int((await uow.connection.execute(counter)).scalar_one()) for _ in range(3)]
    assert seen == [1, 2, 3]

    async with db.unit_of_work() as uow:
        # rows given at execute time: one statement, executemany; only the named columns are overwritten
        many = upsert(uow.connection, table, ["k"], update=["v"])
        await uow.connection.execute(many, [{"k": "a", "v": "third", "n": 99}, {"k": "b", "v": "new", "n": 5}])
    assert await rows(db, table) == {"a": ("third", 2), "b": ("new", 5), "c": ("count", 3)}


def _count_up(bind: Bind) -> Any:
    return upsert(bind, KV_PREBUILT, ["k"], update=["v"], set_=lambda excluded: {"n": KV_PREBUILT.c.n + excluded.n})


KV_PREBUILT = kv_table("kit")


async def test_a_prebuilt_statement_is_built_once_per_database_and_runs_with_each_calls_values(db: Database) -> None:
    table = await create_kv(db)
    assert table.fullname == KV_PREBUILT.fullname
    async with db.unit_of_work() as uow:
        statement = prebuilt(uow.connection, _count_up)
        for value, n in (("one", 1), ("two", 2), ("three", 4)):
            assert prebuilt(uow.connection, _count_up) is statement  # the same construct every call
            await uow.connection.execute(statement, {"k": "a", "v": value, "n": n})
        await uow.connection.execute(statement, {"k": "b", "v": "other", "n": 10})
    assert await rows(db, table) == {"a": ("three", 7), "b": ("other", 10)}
    other = "sqlite" if db.engine.dialect.name == "postgresql" else "postgresql"
    from sqlalchemy.dialects import postgresql, sqlite
    other_dialect = postgresql.dialect() if other == "postgresql" else sqlite.dialect()
    assert prebuilt(other_dialect, _count_up) is not statement  # each database its own INSERT … ON CONFLICT


def _kv_update(_bind: Bind) -> Any:
    return KV_PREBUILT.update().where(KV_PREBUILT.c.k == bindparam("the_k"))


def _kv_above(_bind: Bind) -> Any:
    return select(KV_PREBUILT.c.k, KV_PREBUILT.c.n).where(KV_PREBUILT.c.n >= bindparam("least")).order_by(
        KV_PREBUILT.c.k)


async def test_a_prebuilt_statement_is_compiled_once_per_set_of_columns_and_never_walked_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which columns an UPDATE sets depends on the keys of its parameters: each set of keys (one row or many)
    is compiled on its own and writes just those columns. After that no execution walks the statement for a
    cache key: SQLAlchemy's per-execution lookup is what the compiled-once statement saves."""
    await create_kv(db)
    async with db.unit_of_work() as uow:
        await uow.connection.execute(KV_PREBUILT.insert(), [{"k": k, "v": k, "n": 1} for k in "abc"])
        update, above = prebuilt(uow.connection, _kv_update), prebuilt(uow.connection, _kv_above)
        await uow.connection.execute(update, {"the_k": "a", "v": "A"})  # v alone
        await uow.connection.execute(update, {"the_k": "b", "n": 5})  # n alone
        await uow.connection.execute(update, [{"the_k": "c", "v": "C", "n": 7}, {"the_k": "a", "v": "AA", "n": 2}])
        assert [tuple(r) for r in await uow.connection.execute(above, {"least": 2})] == [("a", 2), ("b", 5), ("c", 7)]
        walked: list[object] = []
        for statement in (update.statement, above.statement):
            monkeypatch.setattr(statement, "_generate_cache_key", lambda seen=statement: walked.append(seen))
        await uow.connection.execute(update, {"the_k": "b", "v": "B"})
        assert [tuple(r) for r in await uow.connection.execute(above, {"least": 6})] == [("c", 7)]
        assert walked == [], "a compiled-once statement looked up its cache key"
    assert await rows(db, KV_PREBUILT.to_metadata(MetaData(), schema=db.schema)) == {
        "a": ("AA", 2), "b": ("B", 5), "c": ("C", 7)}


async def test_among_binds_each_constant_so_the_sql_is_fixed_and_filters_alike(db: Database) -> None:
    table = await create_kv(db)
    async with db.unit_of_work() as uow:
        for k in ("a", "b", "c", "d"):
            await uow.connection.execute(table.insert().values(k=k, v=k.upper(), n=1))
    chosen = select(table.c.k).where(among(table.c.v, frozenset({"C", "A"}))).order_by(table.c.k)
    others = select(table.c.k).where(among(table.c.v, ("C", "A"), negated=True)).order_by(table.c.k)
    compiled = chosen.compile(dialect=db.engine.dialect)
    # no "expanding" parameter: SQLAlchemy would render the SQL again on every execution
    assert not compiled.post_compile_params and not compiled.literal_execute_params
    assert select(table.c.k).where(table.c.v.in_(["C", "A"])).compile(dialect=db.engine.dialect).post_compile_params
    async with db.engine.connect() as connection:
        assert list((await connection.execute(chosen)).scalars()) == ["a", "c"]
        assert list((await connection.execute(others)).scalars()) == ["b", "d"]


async def test_insert_ignore_says_whether_the_row_was_new(db: Database) -> None:
    table = await create_kv(db)
    outcomes = []
    for value in ("kept", "ignored"):
        async with db.unit_of_work() as uow:
            await transaction_lock(uow.connection, "kv:a")
            row = {"k": "a", "v": value, "n": 1}
            result = await uow.connection.execute(insert_ignore(uow.connection, table, ["k"], row))
            outcomes.append(cast(CursorResult[Any], result).rowcount)
    assert outcomes == [1, 0]
    assert await rows(db, table) == {"a": ("kept", 1)}


async def test_the_listener_passes_committed_payloads_on_and_reconnects(pg: Database) -> None:
    heard: list[str] = []
    connections: list[bool] = []
    listener = ChannelListener.on(pg, "kit_news", heard.append, on_connected=lambda: connections.append(True))
    await listener.start()
    try:
        await eventually(holds(lambda: len(connections) == 1), what="LISTEN connected")
        with pytest.raises(RuntimeError):
            async with pg.unit_of_work() as uow:
                await uow.notify("kit_news", "rolled back")
                raise RuntimeError("handler failed")
        async with pg.unit_of_work() as uow:
            await uow.notify("kit_news", "one")
        await eventually(holds(lambda: heard == ["one"]), what="the committed payload")

        async with pg.engine.connect() as connection:
            killed = await connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'"))
            assert killed.all(), "the listener's connection was found and terminated"
        await eventually(holds(lambda: len(connections) == 2), what="LISTEN reconnected")
        async with pg.unit_of_work() as uow:
            await uow.notify("kit_news", "two")
        await eventually(holds(lambda: heard == ["one", "two"]), what="a payload after the reconnection")
    finally:
        await listener.stop()


async def test_the_outbox_fragment_writes_what_emit_writes(pg: Database) -> None:
    async with pg.unit_of_work() as uow:
        emitted = uow.emit("aftercare.kit.happened.v1", subject="agg-1", data={"n": 1, "text": "é"}, region="east")
    outbox = pg.tables.outbox
    async with pg.engine.connect() as connection:
        original = (await connection.execute(select(outbox).where(outbox.c.event_id == emitted.id))).one()

    batch_id = str(uuid.uuid4())
    statement = outbox_insert_sql(
        pg.schema, rows="(SELECT 1) AS one_row", event_id=":event_id", event_type=":event_type",
        aggregate_id=":aggregate", partition=":partition", routing_key=":routing_key", subject=":aggregate",
        region=":region", data="CAST(:data AS jsonb)", time=":time", source=":source",
        headers="CAST(:headers AS jsonb)", created_at=":created_at",
    )
    async with pg.unit_of_work() as uow:
        await uow.connection.execute(text(statement), {
            "event_id": batch_id, "event_type": emitted.type, "aggregate": "agg-1",
            "partition": partition_of("agg-1", pg.partitions), "routing_key": emitted.routing_key,
            "region": "east", "data": '{"n": 1, "text": "é"}', "time": rfc3339(emitted.time),
            "source": emitted.source, "headers": "{}", "created_at": emitted.time,
        })
    async with pg.engine.connect() as connection:
        batched = (await connection.execute(select(outbox).where(outbox.c.event_id == batch_id))).one()

    assert batched.envelope == {**emitted.to_dict(), "id": batch_id} == {**original.envelope, "id": batch_id}
    for column in ("event_type", "aggregate_id", "partition", "routing_key", "headers", "created_at", "sent_at"):
        assert getattr(batched, column) == getattr(original, column), column


async def _transaction_starts(connection: Any) -> tuple[Any, Any]:
    """now() is when the statement's transaction began: equal twice over inside one transaction."""
    first = (await connection.execute(text("SELECT now()"))).scalar_one()
    await connection.execute(text("SELECT pg_sleep(0.01)"))
    return first, (await connection.execute(text("SELECT now()"))).scalar_one()


async def test_a_unit_of_work_is_one_transaction_and_a_read_is_none(pg: Database) -> None:
    async with pg.unit_of_work() as uow:
        first, second = await _transaction_starts(uow.connection)
    assert first == second
    # reading() sends no BEGIN or ROLLBACK: each statement commits on its own, so begins later
    async with pg.reading() as connection:
        first, second = await _transaction_starts(connection)
    assert second > first
    with pytest.raises(RuntimeError, match="inside `async with`"):
        pg.unit_of_work().connection  # noqa: B018


async def test_a_read_leaves_its_connection_fit_for_the_next_transaction(pg: Database) -> None:
    """reading() and unit_of_work() share one pool: a connection a read used in autocommit goes back to
    running transactions (a rolled back write leaves nothing)."""
    table = await create_kv(pg)
    for _ in range(3):
        async with pg.reading() as connection:
            assert (await connection.execute(select(table))).all() == []
    with pytest.raises(ZeroDivisionError):
        async with pg.unit_of_work() as uow:
            await uow.connection.execute(table.insert().values(k="a", v="x", n=1))
            raise ZeroDivisionError
    async with pg.reading() as connection:
        assert (await connection.execute(select(table))).all() == []


async def test_overlapping_lock_sets_taken_in_any_order_wait_for_each_other_without_deadlock(pg: Database) -> None:
    first_holds, release = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with pg.unit_of_work() as uow:
            await transaction_locks(uow.connection, ["case:b", "case:a", "case:c"])
            first_holds.set()
            await release.wait()
            order.append("first commits")

    async def second() -> None:
        await first_holds.wait()
        async with pg.unit_of_work() as uow:
            # the same keys named in another order, and one more: it waits for the first, then takes them all
            await transaction_locks(uow.connection, ["case:d", "case:c", "case:a", "case:b", "case:a"])
            order.append("second locked")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_holds.wait()
    await asyncio.sleep(0.3)
    assert order == []  # the second is waiting
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert order == ["first commits", "second locked"]

