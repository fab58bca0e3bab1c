"""Alembic wiring: each service has its own migration history in its own schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from aftercare_platform.db.statements import is_postgres
from aftercare_platform.outbox.tables import define_platform_tables

# one service's migrations at a time, whatever the number of replicas starting together
_MIGRATION_LOCK = 7_212_001


def alembic_config(script_location: Path, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["schema"] = schema
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, schema: str, revision: str = "head") -> None:
    """Create the schema if needed and bring it to `revision`."""
    async with engine.begin() as connection:
        if is_postgres(engine):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.run_sync(_upgrade_sync, script_location, schema, revision)


def _upgrade_sync(connection: Connection, script_location: Path, schema: str, revision: str) -> None:
    config = alembic_config(script_location, schema)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def run_env(context: EnvironmentContext | Any, target_metadata: MetaData) -> None:
    """The whole of a service's `env.py`: online migrations on the connection `upgrade` hands over."""
    config = context.config
    schema = config.attributes["schema"]
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through db.migrations.upgrade (or `python -m <service> migrate`)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=schema,
        include_schemas=True,
        render_as_batch=not is_postgres(connection),
    )
    with context.begin_transaction():
        context.run_migrations()


def create_platform_tables(bind: Any, schema: str) -> None:
    """For a service's first migration: the outbox and inbox in its schema."""
    metadata = MetaData(schema=schema)
    define_platform_tables(metadata)
    metadata.create_all(bind)
