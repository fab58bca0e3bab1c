"""The registry in SQL: get, create, replace, list by pages, bulk upsert. Thin: no rule decided here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from aftercare_platform.db.statements import upsert
from aftercare_platform.errors import AlreadyExists, NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters.registry_rows import Kind, Record

# rows per executemany in bulk upserts
BULK_ROWS = 5_000


async def get(connection: AsyncConnection, kind: Kind, key: str) -> Any | None:
    row = (await connection.execute(select(kind.table).where(kind.table.c[kind.key] == key))).mappings().first()
    return kind.of_row(row) if row is not None else None


async def require(connection: AsyncConnection, kind: Kind, key: str) -> Any:
    found = await get(connection, kind, key)
    if found is None:
        raise NotFound(f"{kind.name} {key} not found")
    return found


async def create(connection: AsyncConnection, kind: Kind, record: Record, at: datetime) -> None:
    key = kind.key_of(record)
    if await get(connection, kind, key) is not None:
        raise AlreadyExists(f"{kind.name} {key} already exists")
    await connection.execute(kind.table.insert().values(**kind.to_row(record, at)))


async def replace(connection: AsyncConnection, kind: Kind, record: Record, at: datetime) -> Any:
    """Replace a record; returns the one it replaced (NotFound when there is none)."""
    key = kind.key_of(record)
    previous = await require(connection, kind, key)
    row = kind.to_row(record, at)
    await connection.execute(kind.table.update().where(kind.table.c[kind.key] == key).values(**row))
    return previous


async def page(
    connection: AsyncConnection, kind: Kind, *, where: Mapping[str, str | Iterable[str]], after: str | None, size: int
) -> tuple[list[Any], str | None]:
    """Records in key order after `after`; the next page's last key when there may be more."""
    table = kind.table
    query = select(table).order_by(table.c[kind.key]).limit(size + 1)
    for column, value in where.items():
        query = query.where(table.c[column] == value if isinstance(value, str) else table.c[column].in_(list(value)))
    if after is not None:
        query = query.where(table.c[kind.key] > after)
    rows = (await connection.execute(query)).mappings().all()
    records = [kind.of_row(row) for row in rows[:size]]
    more = len(rows) > size
    return records, (str(rows[size - 1][kind.key]) if more else None)


async def existing_keys(connection: AsyncConnection, kind: Kind, keys: Iterable[str]) -> set[str]:
    wanted = list(set(keys))
    found: set[str] = set()
    column = kind.table.c[kind.key]
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        found.update(str(key) for key in (await connection.execute(select(column).where(column.in_(chunk)))).scalars())
    return found


async def upsert_many(connection: AsyncConnection, kind: Kind, records: Sequence[Record], at: datetime) -> None:
    rows = [kind.to_row(record, at) for record in records]
    for start in range(0, len(rows), BULK_ROWS):
        batch = rows[start : start + BULK_ROWS]
        # one statement compiled once, executed for every row (executemany): far cheaper than a multi-row VALUES
        changed = [name for name in batch[0] if name != kind.key]
        await connection.execute(upsert(connection, kind.table, [kind.key], update=changed), batch)
