"""Rows of several tables from one statement: each kind of row is a SELECT of its table's columns (or of a CTE
with them), and the kinds share one wide shape — a slot per column of every table, NULL where the row's table
has none — joined by UNION ALL. One round trip where each kind would take its own (PostgreSQL and SQLite)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import FromClause, String, Table, literal_column, null, select, union_all


class RowKinds:
    """The kinds a statement returns, each named and read as rows of its table."""

    def __init__(self, kinds: Mapping[str, Table]) -> None:
        self.kinds = dict(kinds)
        tables = list(dict.fromkeys(self.kinds.values()))  # each table's slots once, in first-named order
        self._slots = [(table, column) for table in tables for column in table.c]
        # each kind's (column, slot) names, made once: split reads every row of every report through them
        self._names = {kind: [(column.name, _slot(table, column.name)) for column in table.c]
                       for kind, table in self.kinds.items()}

    def select(self, kind: str, source: FromClause) -> Any:
        """The rows of `kind` from `source` (its table, or a CTE or subquery with the table's columns)."""
        table = self.kinds[kind]
        return select(literal_column(f"'{kind}'", String).label("kind"), *[
            (source.c[column.name] if slot_table is table else null().cast(column.type)).label(
                _slot(slot_table, column.name))
            for slot_table, column in self._slots])

    def marker(self, kind: str, source: FromClause) -> Any:
        """A row of `kind` for each row of `source`, every slot NULL: makes the statement run what `source`
        does for its own sake (PostgreSQL keeps a FROM subquery's volatile calls, such as a lock, even unread)."""
        return select(literal_column(f"'{kind}'", String).label("kind"), *[
            null().cast(column.type).label(_slot(slot_table, column.name)) for slot_table, column in self._slots
        ]).select_from(source)

    def union(self, branches: Iterable[tuple[str, FromClause]], markers: Iterable[tuple[str, FromClause]] = ()) -> Any:
        return union_all(*[self.select(kind, source) for kind, source in branches],
                         *[self.marker(kind, source) for kind, source in markers])

    def split(self, rows: Iterable[Mapping[Any, Any]]) -> dict[str, list[dict[str, Any]]]:
        """The statement's rows by kind, each as its own table's columns."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            names = self._names.get(row["kind"])
            if names is None:  # a marker's row: its source ran, and there is nothing to read
                continue
            found[row["kind"]].append({column: row[slot] for column, slot in names})
        return found


def _slot(table: Table, column: str) -> str:
    return f"{table.name}_{column}"
