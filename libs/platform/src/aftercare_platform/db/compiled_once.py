"""A built-once statement that is compiled once too: SQLAlchemy finds a statement's compiled form on every
execution by its cache key (memoised on the statement) hashed as the compiled cache's key. That key is a nested
tuple, whose hash Python does not keep, so each execution hashes the whole statement's structure again:
for intake's union of nine CTEs that was 7 % of intake's CPU in an alarm storm (py-spy)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.sql.base import Executable


class CompiledOnce(Executable):
    """Executes as `statement` does (`connection.execute(it, parameters)`, one or many), compiled on first use for
    each dialect and each set of parameter keys (which columns an INSERT or UPDATE writes depends on them) and
    executemany or not: what SQLAlchemy's own compiled cache keys on besides the statement."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[Dialect, tuple[str, ...], bool], Compiled] = {}

    def _execute_on_connection(self, connection: Connection, distilled_params: Any,
                               execution_options: Any) -> Any:
        many = len(distilled_params) > 1
        keys = tuple(sorted(distilled_params[0])) if distilled_params else ()
        dialect = connection.dialect
        compiled = self._compiled.get((dialect, keys, many))
        if compiled is None:
            compiled = self._compiled[(dialect, keys, many)] = self.statement.compile(  # type: ignore[attr-defined]
                dialect=dialect, column_keys=list(keys), for_executemany=many)
        return connection._execute_compiled(compiled, distilled_params, execution_options)

    def __repr__(self) -> str:
        return f"CompiledOnce({self.statement!r})"
