"""The relay's statements, built once per relay with their values as parameters: built on every pass (a
pass per commit at low rates) they cost more CPU than the pass's SQL.

On PostgreSQL one statement reads the unsent batch of several partitions at once, each under its advisory lock
taken by the same statement (`pg_try_advisory_xact_lock`, per partition, in a LATERAL before that partition's
rows): a pass over the partitions a few commits named is one transaction of four round trips, not four each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, Table, Text, any_, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql

_ROW_COLUMNS = ("id", "event_id", "event_type", "aggregate_id", "partition", "routing_key", "envelope", "headers")
# read as their text: the driver's jsonb decoder (the json module) cost more than the rest of a row's reading,
# and the relay parses them itself (orjson) where it needs to
_AS_TEXT = ("envelope", "headers")


@dataclass(frozen=True)
class RelayStatements:
    # the unsent rows (`_ROW_COLUMNS`), at most `per_partition` of each: on PostgreSQL of the partitions
    # `partitions` (an array) with `locked` per partition (a row of NULLs but `partition` and `locked` for one
    # that has none or is held); on SQLite of the one partition `partition`
    read: Any
    remove_sent: Any  # parameter: ids
    locks: bool  # PostgreSQL: `read` takes the partitions' advisory locks (parameter lock_key)


def relay_statements(outbox: Table, *, postgres: bool) -> RelayStatements:
    if not postgres:
        unsent = (select(*[outbox.c[name] for name in _ROW_COLUMNS])
                  .where(outbox.c.partition == bindparam("partition", type_=Integer), outbox.c.sent_at.is_(None))
                  .order_by(outbox.c.id).limit(bindparam("per_partition", type_=Integer)))
        return RelayStatements(unsent, delete(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True))),
                               locks=False)
    table = postgresql.dialect().identifier_preparer.format_table(outbox)  # type: ignore[no-untyped-call]
    columns = [name for name in _ROW_COLUMNS if name != "partition"]  # the partition comes from p
    read = text(f"""
        SELECT p.partition, l.locked, {", ".join(f"unsent.{name}" for name in columns)}
        FROM unnest(CAST(:partitions AS integer[])) AS p(partition)
        CROSS JOIN LATERAL (SELECT pg_try_advisory_xact_lock(CAST(:lock_key AS integer), p.partition) AS locked) AS l
        LEFT JOIN LATERAL (
            SELECT {", ".join(f"o.{name}::text AS {name}" if name in _AS_TEXT else f"o.{name}" for name in columns)}
            FROM {table} AS o
            WHERE o.partition = p.partition AND o.sent_at IS NULL AND l.locked
            ORDER BY o.id LIMIT :per_partition FOR UPDATE SKIP LOCKED) AS unsent ON true
        ORDER BY p.partition, unsent.id""").columns(
        locked=Boolean(), **{name: Text() if name in _AS_TEXT else outbox.c[name].type for name in _ROW_COLUMNS})
    # one array parameter, whatever the count: one prepared statement, not one per batch size
    sent = outbox.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return RelayStatements(read, delete(outbox).where(sent), locks=True)
