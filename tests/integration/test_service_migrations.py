"""Every service's schema on PostgreSQL: migrated with the code before the platform had a history of its
own (the service's revisions alone), then upgraded: the platform adopts it and brings its outbox to the
platform's head (nothing else changes); a
fresh schema gets the same. Either way the outbox and inbox match the platform's live metadata; a fresh
schema holds exactly the tables each service's code describes."""

from __future__ import annotations

import importlib

import pytest
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import alembic_config, upgrade, upgrade_service_history
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.testing.migrations import (
    applied_version,
    own_tables_drift,
    platform_head,
    platform_tables_drift,
    platform_version,
)
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PACKAGES = ["cases", "intake", "sla_timer", "dispatch", "notify", "survey", "inspection", "console"]
SERVICES = [importlib.import_module(f"{package}.bootstrap").definition for package in PACKAGES]
# the services whose schemas existed before the platform kept a migration history of its own
BEFORE_PLATFORM_HISTORY = SERVICES[:3]
# made in raw DDL by the migrations (whole-word and substring search indexes), which table metadata cannot say
DDL_ONLY = {"cases": frozenset({"ix_cases_search_words", "ix_cases_internal_words", "ix_cases_search_trigrams",
                                "ix_cases_internal_trigrams"})}


def head_of(definition: ServiceDefinition) -> str | None:
    return ScriptDirectory.from_config(alembic_config(definition.migrations, definition.schema)).get_current_head()


async def state(engine: AsyncEngine, definition: ServiceDefinition) -> tuple[str | None, str | None, list[object]]:
    async with engine.connect() as connection:
        return (
            await connection.run_sync(platform_version, definition.schema),
            await connection.run_sync(applied_version, definition.schema),
            await connection.run_sync(platform_tables_drift, definition.schema),
        )


@pytest.mark.parametrize("definition", BEFORE_PLATFORM_HISTORY, ids=lambda d: d.name)
async def test_a_schema_of_todays_code_upgrades_cleanly(database_url: str, definition: ServiceDefinition) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{definition.schema}"'))
            await connection.run_sync(upgrade_service_history, definition.migrations, definition.schema)
        platform, service, drift = await state(engine, definition)
        # the outbox as platform revision p0001 made it, with the sent_at index a later revision drops
        assert (platform, service, [d[0] for d in drift]) == (None, head_of(definition), ["remove_index"])
        await upgrade(engine, definition.migrations, definition.schema)
        assert await state(engine, definition) == (platform_head(), head_of(definition), [])
        # the revisions create exactly what the service's tables module describes
        async with engine.connect() as connection:
            assert await connection.run_sync(own_tables_drift, definition.schema, definition.metadata,
                                            DDL_ONLY.get(definition.name, frozenset())) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
async def test_a_fresh_schema(database_url: str, definition: ServiceDefinition) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema)
        assert await state(engine, definition) == (platform_head(), head_of(definition), [])
        # the revisions create exactly what the service's tables module describes
        async with engine.connect() as connection:
            assert await connection.run_sync(own_tables_drift, definition.schema, definition.metadata,
                                            DDL_ONLY.get(definition.name, frozenset())) == []
    finally:
        await engine.dispose()
