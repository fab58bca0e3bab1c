"""INSERT … ON CONFLICT spelled once for PostgreSQL and SQLite (both dialects share the syntax)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

# whatever a statement runs on: an engine, a connection, a session (sync or async), or its dialect
Bind = AsyncEngine | AsyncConnection | AsyncSession | Engine | Connection | Session | Dialect


def dialect_of(bind: Bind) -> Dialect:
    if isinstance(bind, Dialect):
        return bind
    if isinstance(bind, AsyncSession | Session):
        return bind.get_bind().dialect
    return bind.dialect


def is_postgres(bind: Bind) -> bool:
    """True on PostgreSQL; False on embedded SQLite."""
    return dialect_of(bind).name == "postgresql"


def dialect_insert(bind: Bind, table: Table) -> Any:
    """`INSERT` with `on_conflict_do_*` and `excluded` for the bind's database."""
    return (postgresql.insert if is_postgres(bind) else sqlite.insert)(table)


def insert_ignore(bind: Bind, table: Table, keys: Sequence[str], row: Mapping[str, Any] | None = None) -> Any:
    """Insert `row` (or the rows given at execute) unless one with the same `keys` exists: the
    result's rowcount says whether it was new."""
    statement = dialect_insert(bind, table)
    if row is not None:
        statement = statement.values(**row)
    return statement.on_conflict_do_nothing(index_elements=list(keys))


def upsert(
    bind: Bind,
    table: Table,
    keys: Sequence[str],
    row: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    update: Iterable[str] | None = None,
    set_: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None,
    where: ColumnElement[bool] | Callable[[Any], ColumnElement[bool]] | None = None,
) -> Any:
    """Insert, or on a conflict of `keys` overwrite the `update` columns with the new row's values.

    `update` defaults to every column of `row` (or of its first row) but the keys; pass it when the rows
    are given at execute time (one statement compiled once, executemany). `set_` adds or overrides
    assignments (e.g. `{"last": table.c.last + 1}`); `where` keeps the existing row when false. Both may be
    functions of `excluded` (the values the conflicting INSERT proposed)."""
    statement = dialect_insert(bind, table)
    first: Mapping[str, Any] | None = None
    if isinstance(row, Mapping):
        statement, first = statement.values(**row), row
    elif row is not None:
        rows = list(row)
        statement, first = statement.values(rows), (rows[0] if rows else None)
    if update is None:
        update = [name for name in (first or {}) if name not in keys]
    assignments: dict[str, Any] = {name: statement.excluded[name] for name in update}
    assignments.update((set_(statement.excluded) if callable(set_) else set_) or {})
    if not assignments:
        raise ValueError("upsert: nothing to update on a conflict (use insert_ignore)")
    condition = where(statement.excluded) if callable(where) else where
    return statement.on_conflict_do_update(index_elements=list(keys), set_=assignments, where=condition)


async def transaction_lock(session: AsyncSession, key: str) -> None:
    """Serialise the transactions about `key` (an asset, a seeding step) until they end: a PostgreSQL
    advisory transaction lock; SQLite serialises writers anyway."""
    if is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                              {"namespace": _LOCK_NAMESPACE, "key": zlib.crc32(key.encode()) - 2**31})


# the first half of every advisory key taken by transaction_lock (the migrations' lock is a single bigint)
_LOCK_NAMESPACE = 4_242
