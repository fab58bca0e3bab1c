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


async def test_the_pool_s_connection_usage_is_exposed_as_it_is_when_metrics_are_read(database_url):
    """`db.client.connections.usage` (idle and used, by pool) is read from the pool at collection, not counted
    on every checkout and checkin; two engines on one meter are both reported."""
    from aftercare_platform.settings import ServiceSettings
    from aftercare_platform.telemetry import setup_telemetry
    from aftercare_platform.telemetry.instrumentation import instrument_database
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.parser import text_string_to_metric_families
    from sqlalchemy import event

    def usage(telemetry) -> dict[tuple[str, str], float]:
        exposition = generate_latest(telemetry.registry).decode()
        return {(sample.labels["pool_name"], sample.labels["state"]): sample.value
                for family in text_string_to_metric_families(exposition)
                if family.name.startswith("db_client_connections_usage") for sample in family.samples}

    telemetry = setup_telemetry(ServiceSettings(service_name="cases", region="west"), registry=CollectorRegistry(),
                                set_global=False)
    engine = engine_module.create_engine(database_url, "usage_test", pool_size=4)
    other = engine_module.create_engine(database_url, "usage_other", pool_size=4)
    engine.sync_engine.pool.logging_name, other.sync_engine.pool.logging_name = "usage-a", "usage-b"
    try:
        tracer = instrument_database(engine, telemetry)
        instrument_database(other, telemetry)
        # nothing runs on a checkout or checkin for it (four counter updates a transaction, ~4% of intake's CPU)
        assert not any(event.contains(engine.sync_engine, name, getattr(tracer, f"_pool_{name}"))
                       for name in ("connect", "close", "checkin", "checkout"))
        await _burst(engine, 3)
        async with engine.connect() as held, other.connect() as held_other:
            await held.execute(text("SELECT 1"))
            await held_other.execute(text("SELECT 1"))
            assert usage(telemetry) == {("usage-a", "idle"): 2.0, ("usage-a", "used"): 1.0,
                                        ("usage-b", "idle"): 0.0, ("usage-b", "used"): 1.0}
        assert usage(telemetry) == {("usage-a", "idle"): 3.0, ("usage-a", "used"): 0.0,
                                    ("usage-b", "idle"): 1.0, ("usage-b", "used"): 0.0}
    finally:
        await engine.dispose()
        await other.dispose()
        telemetry.shutdown()
