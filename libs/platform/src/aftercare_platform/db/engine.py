"""The async engine: PostgreSQL (asyncpg) in production, SQLite files in embedded mode."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aftercare_platform.db.statements import is_postgres

__all__ = ["create_engine", "is_postgres"]

# a pooled connection idle longer than this is pinged before use; one in steady use is not (a ping is three
# round trips on asyncpg: BEGIN, ";", ROLLBACK — under load it was a third of the statements a service sent)
PING_WHEN_IDLE_SECONDS = 2.0


# connections one service process may hold (AFTERCARE_DATABASE_POOL_SIZE): the gRPC and HTTP handlers, each
# consumer's windows, the relay's lanes and the background loops together use about this many under load
DEFAULT_POOL_SIZE = 20


def create_engine(database_url: str, schema: str, *, pool_size: int = DEFAULT_POOL_SIZE,
                  echo: bool = False) -> AsyncEngine:
    """One engine per service. On SQLite each schema is its own attached database file.

    Every connection up to `pool_size` is kept once opened, none beyond it: SQLAlchemy's overflow connections
    are closed as they come back, so load above the kept size opened a connection (a server process, the
    startup, asyncpg's type introspection) every few requests — intake opened 66 in a 600-submission bench."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, schema, echo=echo)
    # the service's name in pg_stat_activity and the server's log: an operator sees who holds what
    named = {"server_settings": {"application_name": f"aftercare-{schema}"}}
    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=0, pool_recycle=1800,
                                 echo=echo, connect_args=named)
    _ping_when_idle(engine, PING_WHEN_IDLE_SECONDS)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat idle (the database may have restarted since);
    a connection that died while in steady use fails its statement, which the callers treat as an outage."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except OSError as error:  # the socket itself broke
            raise exc.DisconnectionError(str(error)) from error  # the pool replaces it and tries again
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise


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

