"""A pooled connection that sat idle is pinged before use, so one the database dropped meanwhile is replaced
instead of failing the request; one in steady use is not pinged (no BEGIN/;/ROLLBACK per checkout)."""

import asyncpg
import pytest
from aftercare_platform.db import engine as engine_module
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def _backend_pid(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def _terminate(database_url: str, pid: int) -> None:
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_an_idle_connection_the_database_dropped_is_replaced(database_url, monkeypatch):
    monkeypatch.setattr(engine_module, "PING_WHEN_IDLE_SECONDS", 0.0)  # every checkout counts as idle
    engine = engine_module.create_engine(database_url, "ping_test", pool_size=1)
    try:
        first = await _backend_pid(engine)
        await _terminate(database_url, first)
        # the ping finds the connection dead: the pool opens another and the statement succeeds
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(database_url, monkeypatch):
    monkeypatch.setattr(engine_module, "PING_WHEN_IDLE_SECONDS", 3600.0)
    engine = engine_module.create_engine(database_url, "ping_test", pool_size=1)
    try:
        first = await _backend_pid(engine)
        await _terminate(database_url, first)
        # not pinged: the statement meets the dead connection (the edge maps this to 503 and the caller retries)
        with pytest.raises(DBAPIError) as raised:
            await _backend_pid(engine)
        assert raised.value.connection_invalidated
        assert await _backend_pid(engine) != first  # and the pool replaced it for the next one
    finally:
        await engine.dispose()
