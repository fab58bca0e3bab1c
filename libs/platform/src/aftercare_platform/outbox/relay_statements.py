"""The relay's statements, built once per relay with their values as parameters: built on every pass (a
pass per commit at low rates) they cost more CPU than the pass's SQL.

On PostgreSQL one statement takes the unsent batch of several partitions at once, each under its advisory lock
taken by the same statement (`pg_try_advisory_xact_lock`, per partition, before that partition's rows), and
deletes what it takes: the delete commits only once the broker confirmed, so a pass over the partitions a few
commits named is one transaction of three round trips (BEGIN, take, COMMIT). A row the broker refused goes back in
the same transaction, as it was but for its attempts. Taking by deleting also means a relay whose snapshot still
shows rows another relay just published and deleted takes none of them (PostgreSQL's delete skips a row deleted
under it), where a read would publish them again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Integer, Table, Text, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql

_ROW_COLUMNS = ("id", "event_id", "event_type", "aggregate_id", "partition", "routing_key", "envelope", "headers")
# read as their text: the driver's jsonb decoder (the json module) cost more than the rest of a row's reading,
# and the relay parses them itself (orjson) where it needs to
_AS_TEXT = ("envelope", "headers")
# what else a refused row needs to be put back as it was (PostgreSQL, where taking it deleted it)
_RESTORED = ("created_at", "attempts")


@dataclass(frozen=True)
class RelayStatements:
    # the unsent rows (`_ROW_COLUMNS`), at most `per_partition` of each: on PostgreSQL taken (deleted, with
    # `_RESTORED` too) from the partitions `partitions` (an array), with `locked` per partition (a row of NULLs
    # but `partition` and `locked` for one that has none or is held); on SQLite read from the one `partition`
    read: Any
    # SQLite: deletes the confirmed rows (parameter: ids); PostgreSQL: None, `read` deleted them already
    remove_sent: Any | None
    # PostgreSQL: puts a refused row back (its columns as `read` gave them, attempts counted and last_error)
    restore: Any | None
    locks: bool  # PostgreSQL: `read` takes the partitions' advisory locks (parameter lock_key)


def relay_statements(outbox: Table, *, postgres: bool) -> RelayStatements:
    if not postgres:
        unsent = (select(*[outbox.c[name] for name in _ROW_COLUMNS])
                  .where(outbox.c.partition == bindparam("partition", type_=Integer), outbox.c.sent_at.is_(None))
                  .order_by(outbox.c.id).limit(bindparam("per_partition", type_=Integer)))
        return RelayStatements(unsent, delete(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True))),
                               restore=None, locks=False)
    table = postgresql.dialect().identifier_preparer.format_table(outbox)  # type: ignore[no-untyped-call]
    columns = [name for name in _ROW_COLUMNS if name != "partition"]  # the partition comes from p
    # the lock is taken once per partition: a CTE calling a volatile function is evaluated once, not inlined
    read = text(f"""
        WITH p AS (
            SELECT partition, pg_try_advisory_xact_lock(CAST(:lock_key AS integer), partition) AS locked
            FROM unnest(CAST(:partitions AS integer[])) AS partition),
        taken AS (
            DELETE FROM {table} AS o
            USING (SELECT unsent.id FROM p CROSS JOIN LATERAL (
                       SELECT i.id FROM {table} AS i
                       WHERE i.partition = p.partition AND i.sent_at IS NULL AND p.locked
                       ORDER BY i.id LIMIT :per_partition) AS unsent) AS batch
            WHERE o.id = batch.id
            RETURNING {", ".join(f"o.{name}::text AS {name}" if name in _AS_TEXT else f"o.{name}"
                                 for name in (*_ROW_COLUMNS, *_RESTORED))})
        SELECT p.partition, p.locked, {", ".join(f"taken.{name}" for name in (*columns, *_RESTORED))}
        FROM p LEFT JOIN taken ON taken.partition = p.partition
        ORDER BY p.partition, taken.id""").columns(
        locked=Boolean(), **{name: Text() if name in _AS_TEXT else outbox.c[name].type
                             for name in (*_ROW_COLUMNS, *_RESTORED)})
    every = (*_ROW_COLUMNS, *_RESTORED, "last_error")
    restore = text(f"""
        INSERT INTO {table} ({", ".join(every)})
        VALUES ({", ".join(f"CAST(:{name} AS jsonb)" if name in _AS_TEXT else f":{name}" for name in every)})
        """).bindparams(*[bindparam(name, type_=Text() if name in _AS_TEXT else outbox.c[name].type)
                          for name in every])
    return RelayStatements(read, remove_sent=None, restore=restore, locks=True)
