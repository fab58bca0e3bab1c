"""Alembic wiring: each service has its own migration history in its own schema, and the platform's
own history (db/platform_migrations: outbox, inbox) is applied into that schema first, recorded in a
version table of its own, so a change to the platform's tables reaches every service's schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Index, MetaData, Table, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from aftercare_platform.db.platform_migrations.shapes import (
    INBOX,
    OUTBOX,
    inbox_columns_v1,
    outbox_columns_v1,
    outbox_indexes_v1,
)
from aftercare_platform.db.statements import is_postgres

# one service's migrations at a time, whatever the number of replicas starting together
_MIGRATION_LOCK = 7_212_001
PLATFORM_MIGRATIONS = Path(__file__).resolve().parent / "platform_migrations"
# the platform's history is recorded beside the service's (alembic_version) in the service's schema
PLATFORM_VERSION_TABLE = "aftercare_platform_version"
# what a service's 0001 created before the platform had a history of its own (create_platform_tables)
PLATFORM_BASELINE = "p0001"


def alembic_config(script_location: Path, schema: str, *, version_table: str = "alembic_version") -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["schema"] = schema
    config.attributes["version_table"] = version_table
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, schema: str, revision: str = "head") -> None:
    """Create the schema if needed, bring the platform's tables to their head, then the service to `revision`."""
    async with engine.begin() as connection:
        if is_postgres(engine):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.run_sync(upgrade_platform_tables, schema)
        await connection.run_sync(upgrade_service_history, script_location, schema, revision)


def upgrade_platform_tables(
    connection: Connection, schema: str, revision: str = "head", *, history: Path = PLATFORM_MIGRATIONS
) -> None:
    """The platform's history in `schema`. A schema whose outbox came from a service's first revision
    (before this history existed) is adopted at the baseline, then upgraded like any other."""
    config = alembic_config(history, schema, version_table=PLATFORM_VERSION_TABLE)
    config.attributes["connection"] = connection
    tables = inspect(connection)
    if not tables.has_table(PLATFORM_VERSION_TABLE, schema=schema) and tables.has_table(OUTBOX, schema=schema):
        command.stamp(config, PLATFORM_BASELINE)
    command.upgrade(config, revision)


def upgrade_service_history(connection: Connection, script_location: Path, schema: str, revision: str = "head") -> None:
    """The service's own history alone (all `upgrade` did before the platform had a history)."""
    config = alembic_config(script_location, schema)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def run_env(context: EnvironmentContext | Any, target_metadata: MetaData | None) -> None:
    """The whole of a service's `env.py`: online migrations on the connection `upgrade` hands over."""
    config = context.config
    schema = config.attributes["schema"]
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through db.migrations.upgrade (or `python -m <service> migrate`)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=config.attributes.get("version_table", "alembic_version"),
        version_table_schema=schema,
        include_schemas=True,
        render_as_batch=not is_postgres(connection),
    )
    with context.begin_transaction():
        context.run_migrations()


def create_platform_tables(bind: Any, schema: str) -> None:
    """Kept for the first revisions of existing services: the outbox and inbox as platform revision p0001
    made them, where they are missing (the platform's history, applied first, has made them already).
    New services leave the platform's tables to that history."""
    metadata = MetaData(schema=schema)
    outbox = Table(OUTBOX, metadata, *outbox_columns_v1())
    for name, columns, options in outbox_indexes_v1():
        Index(name, *(outbox.c[c] for c in columns), **options)
    Table(INBOX, metadata, *inbox_columns_v1())
    metadata.create_all(bind, checkfirst=True)


def add_missing_columns(table: str, schema: str, columns: list[Any]) -> list[str]:
    """Add each column the table lacks (inside a migration): a service's first migration creates its tables from
    today's metadata, so a fresh database already has the columns a later migration adds. The names added."""
    from alembic import op

    present = {column["name"] for column in inspect(op.get_bind()).get_columns(table, schema=schema)}
    added = [column for column in columns if column.name not in present]
    for column in added:
        op.add_column(table, column, schema=schema)
    return [column.name for column in added]
