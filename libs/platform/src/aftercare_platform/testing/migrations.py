"""Checks of a migrated schema, for tests: versions applied, and drift of the platform tables from the
live metadata (outbox/tables.py) — a change there without a platform revision shows up here."""

from __future__ import annotations

from functools import cache
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from aftercare_platform.db.migrations import PLATFORM_MIGRATIONS, PLATFORM_VERSION_TABLE, alembic_config
from aftercare_platform.outbox.tables import INBOX, OUTBOX, define_platform_tables


def applied_version(connection: Connection, schema: str, version_table: str = "alembic_version") -> str | None:
    """The revision recorded in `schema`'s version table (the service's, or PLATFORM_VERSION_TABLE)."""
    if not inspect(connection).has_table(version_table, schema=schema):
        return None
    return connection.execute(text(f'SELECT version_num FROM "{schema}".{version_table}')).scalar_one_or_none()


def platform_version(connection: Connection, schema: str) -> str | None:
    return applied_version(connection, schema, PLATFORM_VERSION_TABLE)


@cache  # the history's files are read once a process
def platform_head() -> str:
    """The platform history's newest revision: what every migrated schema records."""
    head = ScriptDirectory.from_config(alembic_config(PLATFORM_MIGRATIONS, "")).get_current_head()
    assert head is not None
    return head


def platform_tables_drift(connection: Connection, schema: str) -> list[Any]:
    """What alembic autogenerate would change to make the outbox and inbox match the live metadata: []
    when the platform's migrations and outbox/tables.py agree."""
    metadata = MetaData(schema=schema)
    define_platform_tables(metadata)

    def ours(_object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return type_ != "table" or name in (OUTBOX, INBOX)

    context = MigrationContext.configure(
        connection,
        opts={"include_schemas": True, "include_object": ours, "compare_type": True,
              "include_name": lambda name, type_, _parent: type_ != "schema" or name == schema},
    )
    return list(compare_metadata(context, metadata))


# the kit's tables, which `platform_tables_drift` checks; a service's own drift leaves them out
_PLATFORM_TABLES = {OUTBOX, INBOX, PLATFORM_VERSION_TABLE, "alembic_version"}


def own_tables_drift(connection: Connection, schema: str, metadata: MetaData,
                     ddl_only: frozenset[str] = frozenset()) -> list[Any]:
    """What alembic autogenerate would change to make a service's own tables match its code: [] when its
    migrations and its tables module agree. `ddl_only`: objects the migrations make in raw DDL that table
    metadata cannot describe (expression and operator-class indexes, triggers)."""

    def ours(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        if name in ddl_only:
            return False
        if type_ == "table":
            return name not in _PLATFORM_TABLES
        return getattr(getattr(obj, "table", None), "name", "") not in _PLATFORM_TABLES

    context = MigrationContext.configure(
        connection,
        opts={"include_schemas": True, "include_object": ours, "compare_type": True,
              "include_name": lambda name, type_, _parent: type_ != "schema" or name == schema},
    )
    return list(compare_metadata(context, metadata))
