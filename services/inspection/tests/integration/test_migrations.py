"""inspection's schema on PostgreSQL: a fresh migration reaches its head with the platform's outbox and
inbox, and its own revision creates exactly what `adapters/tables.py` describes (autogenerate finds
nothing to add, drop or change)."""

from __future__ import annotations

import pytest
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.testing.migrations import (
    applied_version,
    own_tables_drift,
    platform_head,
    platform_tables_drift,
    platform_version,
)
from inspection.adapters.tables import SCHEMA, metadata
from inspection.bootstrap import definition

pytestmark = pytest.mark.integration
async def test_a_fresh_schema_matches_the_tables_the_code_describes(database_url: str) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.connect() as connection:
            assert await connection.run_sync(platform_version, SCHEMA) == platform_head()
            assert await connection.run_sync(applied_version, SCHEMA) == "0001"
            assert await connection.run_sync(platform_tables_drift, SCHEMA) == []
            assert await connection.run_sync(own_tables_drift, SCHEMA, metadata) == []
    finally:
        await engine.dispose()
