"""The async engine: PostgreSQL (asyncpg) in production, SQLite files in embedded mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aftercare_platform.db.statements import is_postgres

__all__ = ["create_engine", "is_postgres"]


def create_engine(database_url: str, schema: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """One engine per service. On SQLite each schema is its own attached database file."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, schema, echo=echo)
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=echo,
    )


def _sqlite_engine(database_url: str, schema: str, *, echo: bool) -> AsyncEngine:
    url = make_url(database_url)
    main_file = Path(url.database or "aftercare.sqlite3")
    main_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file = main_file.with_name(f"{main_file.stem}.{schema}{main_file.suffix or '.sqlite3'}")
    engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _attach_schema(dbapi_connection: Any, _record: Any) -> None:
        # schema-qualified names (cases.outbox) then work on SQLite as on PostgreSQL
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"ATTACH DATABASE '{schema_file}' AS \"{schema}\"")
        cursor.execute(f'PRAGMA "{schema}".journal_mode=WAL')
        cursor.close()

    return engine

