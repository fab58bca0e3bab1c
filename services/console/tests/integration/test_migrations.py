"""console's schema on PostgreSQL: a fresh migration reaches its head, and its revisions create exactly
what `adapters/tables.py` describes (autogenerate finds nothing to add, drop or change), presence included."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.testing.migrations import applied_version, platform_tables_drift
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from console.adapters.tables import SCHEMA, metadata
from console.bootstrap import definition

PLATFORM_TABLES = {"outbox", "inbox", "aftercare_platform_version", "alembic_version"}


def _own_drift(connection: Any) -> list[object]:
    context = MigrationContext.configure(connection, opts={
        "include_schemas": True, "compare_type": True,
        "include_name": lambda name, kind, parent: (name == SCHEMA) if kind == "schema" else True,
        "include_object": lambda obj, name, kind, reflected, other: not (
            kind == "table" and name in PLATFORM_TABLES) and not (
            kind in ("column", "index", "unique_constraint", "foreign_key_constraint")
            and getattr(getattr(obj, "table", None), "name", "") in PLATFORM_TABLES)})
    return list(compare_metadata(context, metadata))


async def test_a_fresh_schema_matches_the_tables_the_code_describes(database_url: str) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.connect() as connection:
            assert await connection.run_sync(applied_version, SCHEMA) == "0003"
            assert await connection.run_sync(platform_tables_drift, SCHEMA) == []
            assert await connection.run_sync(_own_drift) == []
    finally:
        await engine.dispose()
