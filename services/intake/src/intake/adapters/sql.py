"""Small SQL helpers that work the same on PostgreSQL and SQLite: upserts, keyset pages, asset locks."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from typing import Any

from aftercare_platform.errors import InvalidArgument
from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def dialect_insert(session: AsyncSession, table: Table) -> Any:
    """`INSERT` with `on_conflict_do_*` for the session's database."""
    bind = session.get_bind()
    return (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(table)


def upsert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> Insert:
    """Insert `rows`, or replace every non-key column of the rows whose key exists."""
    statement = dialect_insert(session, table).values(list(rows))
    columns = {name for row in rows for name in row} - set(keys)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(keys), set_={name: statement.excluded[name] for name in sorted(columns)})


async def upsert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]],
                      keys: Sequence[str]) -> None:
    """`upsert` for many rows of the same columns: one statement compiled once, executed for every row
    (executemany), which is far cheaper than compiling a multi-row VALUES per batch."""
    if not rows:
        return
    statement = dialect_insert(session, table)
    columns = set(rows[0]) - set(keys)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in sorted(columns)})
    await session.execute(statement, list(rows))


def insert_ignoring_conflict(session: AsyncSession, table: Table, row: dict[str, Any], keys: Sequence[str]) -> Insert:
    return dialect_insert(session, table).values(**row).on_conflict_do_nothing(  # type: ignore[no-any-return]
        index_elements=list(keys))


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument.for_field("page.page_size", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


def decode_page_token(token: str) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.for_field("page.page_token", "is not a token this server issued") from None


async def lock_key(session: AsyncSession, key: str) -> None:
    """Serialise transactions about one key (an asset) until commit; SQLite serialises writers anyway."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                              {"namespace": 4_242, "key": zlib.crc32(key.encode()) - 2**31})
