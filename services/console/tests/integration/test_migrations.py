"""console's schema on PostgreSQL: a fresh migration reaches its head, and its revisions create exactly
what `adapters/tables.py` describes (autogenerate finds nothing to add, drop or change), presence included."""

from __future__ import annotations

from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.testing.migrations import applied_version, own_tables_drift, platform_tables_drift
from console.adapters.tables import SCHEMA, metadata
from console.bootstrap import definition


async def test_a_fresh_schema_matches_the_tables_the_code_describes(database_url: str) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.connect() as connection:
            assert await connection.run_sync(applied_version, SCHEMA) == "0003"
            assert await connection.run_sync(platform_tables_drift, SCHEMA) == []
            assert await connection.run_sync(own_tables_drift, SCHEMA, metadata) == []
    finally:
        await engine.dispose()
