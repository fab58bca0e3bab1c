"""The platform's own migration history: applied into a service's schema before the service's history,
adopted by a schema migrated before it existed, and the path for a later change of the outbox/inbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import (
    PLATFORM_MIGRATIONS,
    upgrade,
    upgrade_platform_tables,
    upgrade_service_history,
)
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.service.assemble import open_database
from aftercare_platform.testing.migrations import (
    applied_version,
    platform_head,
    platform_tables_drift,
    platform_version,
)
from aftercare_platform.testing.probe_service.bootstrap import definition
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

LATER_REVISION = '''"""a later change of the outbox, for the test

Revision ID: p9999
"""
import sqlalchemy as sa
from alembic import op

revision = "p9999"
down_revision = "{head}"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("note", sa.String(50)), schema=op.get_context().config.attributes["schema"])
'''


@pytest.fixture
def url(any_database_url: str) -> str:
    return any_database_url


@pytest.fixture
async def engine(url: str):
    engine = create_engine(url, definition.schema)
    yield engine
    await engine.dispose()


async def migrate_as_before(engine: AsyncEngine) -> None:
    """What `upgrade` did before the platform had a history: the service's revisions alone."""
    async with engine.begin() as connection:
        if is_postgres(engine):
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{definition.schema}"'))
        await connection.run_sync(upgrade_service_history, definition.migrations, definition.schema)


async def versions(engine: AsyncEngine) -> tuple[str | None, str | None]:
    async with engine.connect() as connection:
        return (await connection.run_sync(platform_version, definition.schema),
                await connection.run_sync(applied_version, definition.schema))


async def drift(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as connection:
        return await connection.run_sync(platform_tables_drift, definition.schema)


async def emit_and_claim(url: str) -> None:
    database = open_database(definition, definition.settings(database_url=url, amqp_url=""), FakeClock())
    try:
        async with database.unit_of_work() as uow:
            event = uow.emit("aftercare.probe.pinged.v1", subject="p-1", data={"n": 1}, region="east")
            assert await uow.claim_inbox("probe.test", event)
    finally:
        await database.close()


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        found = []
        for table in ("outbox", "inbox"):
            query = select(func.count()).select_from(text(f'"{definition.schema}".{table}'))
            found.append(int((await connection.execute(query)).scalar_one()))
        return found[0], found[1]


async def test_a_fresh_schema_gets_the_platform_history_then_the_services(engine: AsyncEngine, url: str) -> None:
    await upgrade(engine, definition.migrations, definition.schema)
    assert await versions(engine) == (platform_head(), "0001")
    assert await drift(engine) == [], "the platform's migrations make what outbox/tables.py describes"
    await emit_and_claim(url)
    assert await counts(engine) == (1, 1)


async def test_a_schema_migrated_before_the_platform_history_upgrades_cleanly(engine: AsyncEngine, url: str) -> None:
    await migrate_as_before(engine)
    await emit_and_claim(url)
    assert await versions(engine) == (None, "0001")
    before = await drift(engine)

    await upgrade(engine, definition.migrations, definition.schema)
    assert await versions(engine) == (platform_head(), "0001")
    assert await counts(engine) == (1, 1), "rows kept"
    # p0001's shape, which the first revisions still make: the sent_at index p0002 drops is there
    assert [d[0] for d in before] == ["remove_index"] and await drift(engine) == []
    await upgrade(engine, definition.migrations, definition.schema)  # and again: nothing to do
    assert await versions(engine) == (platform_head(), "0001")


async def test_a_later_platform_revision_reaches_a_schema_of_either_age(
    engine: AsyncEngine, url: str, tmp_path: Path
) -> None:
    history = tmp_path / "platform_history"
    shutil.copytree(PLATFORM_MIGRATIONS, history, ignore=shutil.ignore_patterns("__pycache__"))
    (history / "versions" / "p9999_outbox_note.py").write_text(LATER_REVISION.replace("{head}", platform_head()))
    await migrate_as_before(engine)
    await emit_and_claim(url)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade_platform_tables, definition.schema, history=history)
    assert await versions(engine) == ("p9999", "0001")
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("outbox", schema=definition.schema)})
    assert "note" in columns
    assert await counts(engine) == (1, 1)
    # and the drift check sees that outbox/tables.py was not changed to match
    assert [d[0] for d in await drift(engine)] == ["remove_column"]
