"""Every service's schema on PostgreSQL: migrated with the code before the platform had a history of its
own (the service's revisions alone), then upgraded: the platform adopts it and nothing else changes; a
fresh schema gets the same. Either way the outbox and inbox match the platform's live metadata."""

from __future__ import annotations

import pytest
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import alembic_config, upgrade, upgrade_service_history
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.testing.migrations import applied_version, platform_tables_drift, platform_version
from alembic.script import ScriptDirectory
from cases.bootstrap import definition as cases
from intake.bootstrap import definition as intake
from sla_timer.bootstrap import definition as sla_timer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SERVICES = [cases, intake, sla_timer]


def head_of(definition: ServiceDefinition) -> str | None:
    return ScriptDirectory.from_config(alembic_config(definition.migrations, definition.schema)).get_current_head()


async def state(engine: AsyncEngine, definition: ServiceDefinition) -> tuple[str | None, str | None, list[object]]:
    async with engine.connect() as connection:
        return (
            await connection.run_sync(platform_version, definition.schema),
            await connection.run_sync(applied_version, definition.schema),
            await connection.run_sync(platform_tables_drift, definition.schema),
        )


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
async def test_a_schema_of_todays_code_upgrades_cleanly(database_url: str, definition: ServiceDefinition) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{definition.schema}"'))
            await connection.run_sync(upgrade_service_history, definition.migrations, definition.schema)
        assert await state(engine, definition) == (None, head_of(definition), [])
        await upgrade(engine, definition.migrations, definition.schema)
        assert await state(engine, definition) == ("p0001", head_of(definition), [])
    finally:
        await engine.dispose()


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
async def test_a_fresh_schema(database_url: str, definition: ServiceDefinition) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema)
        assert await state(engine, definition) == ("p0001", head_of(definition), [])
    finally:
        await engine.dispose()
