"""Catching statements SQLAlchemy cannot cache: they are compiled again on every execution, which cost more
CPU than running them on the hot paths (PostgreSQL's own INSERT … ON CONFLICT, rows given in `.values([...])`).
The platform's `dialect_insert`, `insert_ignore`, `upsert` and executemany parameters avoid both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, default


@contextmanager
def statements_without_cache_key(schema: str) -> Iterator[list[str]]:
    """The statements naming `schema.` that any engine in this process compiled meanwhile without a cache key."""
    found: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        # compiled DML and queries only: DDL (migrations at start) and raw driver SQL are not cached by design
        compiled = context is not None and context.compiled is not None and not context.isddl
        if compiled and context.cache_hit == default.NO_CACHE_KEY and f"{schema}." in statement:
            found.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
