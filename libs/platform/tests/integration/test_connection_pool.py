"""A service keeps the connections it opened, up to its pool size, and never opens more: load above the size
waits for a connection instead of opening (and then closing) one per request."""

import asyncio

from aftercare_platform.db import engine as engine_module
from sqlalchemy import text


async def _burst(engine, size: int) -> list[int]:
    """`size` units of work at once, each holding its connection a moment: their server processes' pids."""
    async def one() -> int:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await connection.execute(text("SELECT pg_sleep(0.02)"))
            return int(pid)
    return list(await asyncio.gather(*(one() for _ in range(size))))


async def test_load_above_the_pool_size_reuses_the_kept_connections(database_url):
    engine = engine_module.create_engine(database_url, "pool_test", pool_size=4)
    try:
        first = await _burst(engine, 12)
        second = await _burst(engine, 12)
        # every unit was served, by at most four connections, and the second burst opened none
        assert len(first) == len(second) == 12
        assert len(set(first)) <= 4
        assert set(second) <= set(first)
        assert engine.pool.checkedin() == len(set(first))
    finally:
        await engine.dispose()
