"""INSERT … ON CONFLICT spelled once for PostgreSQL and SQLite (both dialects share the syntax), and
statements built once and reused (`prebuilt`)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Integer, Table, bindparam, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.dml import OnConflictDoNothing, OnConflictDoUpdate
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.visitors import InternalTraversal

from aftercare_platform.db.compiled_once import CompiledOnce

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
    """`INSERT` with `on_conflict_do_*` and `excluded` for the bind's database (on PostgreSQL one whose
    compiled form SQLAlchemy caches, see `_CachedInsert`)."""
    return _CachedInsert(table) if is_postgres(bind) else sqlite.insert(table)


# SQLAlchemy 2.0 gives PostgreSQL's INSERT … ON CONFLICT no cache key ("[no key]" in the echo), so every
# execution compiled the statement again: ~0.3 ms of CPU for each request-id claim, inbox claim, number
# upsert and index upsert. These subclasses name every attribute of the ON CONFLICT clause for the cache
# key (literal SET values become bind parameters first, as the compiler would make them), so the
# statement compiles once per shape and runs from the cache after that.
_ON_CONFLICT_TARGET = [
    ("constraint_target", InternalTraversal.dp_string),
    ("inferred_target_elements", InternalTraversal.dp_multi_list),
    ("inferred_target_whereclause", InternalTraversal.dp_clauseelement),
]


class _CachedDoNothing(OnConflictDoNothing):
    inherit_cache = False
    _traverse_internals = _ON_CONFLICT_TARGET


class _CachedDoUpdate(OnConflictDoUpdate):
    inherit_cache = False
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy's own declaration style)
        *_ON_CONFLICT_TARGET,
        ("update_values_to_set", InternalTraversal.dp_dml_ordered_values),
        ("update_whereclause", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, table: Any, **arguments: Any) -> None:
        super().__init__(**arguments)
        self.update_values_to_set = [
            (key, _bound(table, key, value)) for key, value in self.update_values_to_set
        ]


def _bound(table: Any, key: Any, value: Any) -> Any:
    if hasattr(value, "__clause_element__") or isinstance(value, ColumnElement):
        return value
    column = table.c[key] if isinstance(key, str) else key
    return BindParameter(None, value, type_=column.type)


class _CachedInsert(postgresql.Insert):
    inherit_cache = True

    def on_conflict_do_nothing(self, constraint: Any = None, index_elements: Any = None,
                               index_where: Any = None) -> Any:
        statement = super().on_conflict_do_nothing(constraint, index_elements, index_where)
        statement._post_values_clause = _CachedDoNothing(constraint, index_elements, index_where)
        return statement

    def on_conflict_do_update(self, constraint: Any = None, index_elements: Any = None, index_where: Any = None,
                              set_: Any = None, where: Any = None) -> Any:
        statement = super().on_conflict_do_update(constraint, index_elements, index_where, set_, where)
        statement._post_values_clause = _CachedDoUpdate(
            self.table, constraint=constraint, index_elements=index_elements, index_where=index_where,
            set_=set_, where=where)
        return statement


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


async def transaction_lock(connection: AsyncConnection, key: str) -> None:
    """Serialise the transactions about `key` (an asset, a seeding step) until they end: a PostgreSQL
    advisory transaction lock; SQLite serialises writers anyway."""
    if is_postgres(connection):
        await connection.execute(_ADVISORY_LOCK, lock_parameters(key))


async def transaction_locks(connection: AsyncConnection, keys: Iterable[str]) -> None:
    """`transaction_lock` of every key in one statement, taken in one order (the keys' lock numbers, ascending)
    whoever takes them, so two transactions locking overlapping sets wait for each other instead of deadlocking."""
    numbers = sorted({lock_parameters(key)["key"] for key in keys})
    if numbers and is_postgres(connection):
        # unnest yields the array in order, and each row's lock is taken as the row is produced
        await connection.execute(_ADVISORY_LOCKS, {"namespace": _LOCK_NAMESPACE, "keys": numbers})


def lock_parameters(key: str, prefix: str = "") -> dict[str, int]:
    """The advisory lock of `key` as the parameters of `lock_call` (one derivation of the lock for every caller)."""
    return {f"{prefix}namespace": _LOCK_NAMESPACE, f"{prefix}key": zlib.crc32(key.encode()) - 2**31}


def lock_call(prefix: str = "") -> ColumnElement[Any]:
    """`transaction_lock` as an expression of a larger statement (PostgreSQL), its key the parameters
    `lock_parameters(key, prefix)` names: the lock costs no round trip of its own."""
    return func.pg_advisory_xact_lock(bindparam(f"{prefix}namespace", type_=Integer),
                                      bindparam(f"{prefix}key", type_=Integer))


_ADVISORY_LOCK = select(lock_call())
_ADVISORY_LOCKS = text("SELECT count(pg_advisory_xact_lock(:namespace, locked.key)) "
                       "FROM unnest(CAST(:keys AS integer[])) AS locked(key)")


# the first half of every advisory key taken by transaction_lock (the migrations' lock is a single bigint)
_LOCK_NAMESPACE = 4_242


_PREBUILT: dict[tuple[str, Callable[..., Any], tuple[Hashable, ...]], CompiledOnce] = {}


def among(column: ColumnElement[Any], values: Iterable[Any], *, negated: bool = False) -> ColumnElement[bool]:
    """`column IN (…)` (`NOT IN` when `negated`) of constants, each bound on its own, so the statement's SQL is
    fixed when it is built. `in_` of a Python list makes one "expanding" parameter instead, whose SQL SQLAlchemy
    renders again on every execution (and PostgreSQL prepares once per list length)."""
    bound = [literal(value, type_=column.type) for value in sorted(values)]
    return column.not_in(bound) if negated else column.in_(bound)


def prebuilt(bind: Bind, build: Callable[..., Executable], *shape: Hashable) -> CompiledOnce:
    """The statement `build(bind, *shape)` makes for the bind's kind of database, built on first use and reused
    after: its values come as parameters at execute time. A statement built per call cost more CPU than running
    it — building the construct and walking it for its cache key — on the hottest paths; it is compiled once
    too (`CompiledOnce`), so no execution walks or hashes it. `shape` picks among a few forms of one statement
    (which conditions, which CTEs): one is built per shape. `build` is a module-level function of the dialect
    and the shape alone: the statement is shared by every engine of that kind, so it may name only tables
    whose schema is fixed. It runs on a Core connection (`uow.connection`, `engine.connect()`); an ORM
    session's `execute` takes SQL constructs only."""
    key = (dialect_of(bind).name, build, shape)
    statement = _PREBUILT.get(key)
    if statement is None:
        statement = _PREBUILT[key] = CompiledOnce(build(bind, *shape))
    return statement
