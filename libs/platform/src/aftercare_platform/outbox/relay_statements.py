"""The relay's statements, built once per relay with their values as parameters: built on every pass (a
pass per commit at low rates) they cost more CPU than the pass's SQL (the lateral read's column collections,
the cache key walk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, Table, any_, bindparam, func, select, true, update
from sqlalchemy.dialects import postgresql


@dataclass(frozen=True)
class RelayStatements:
    read: Any  # a partition's unsent batch; on PostgreSQL with whether its lock was had (`locked`)
    mark_sent: Any  # parameters: ids, sent_time
    locks: bool  # `read` takes the partition's advisory lock (parameters lock_key, lock_partition)


def relay_statements(outbox: Table, batch: int, *, postgres: bool) -> RelayStatements:
    unsent = (select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.aggregate_id,
                     outbox.c.routing_key, outbox.c.envelope, outbox.c.headers)
              .where(outbox.c.partition == bindparam("partition", type_=Integer), outbox.c.sent_at.is_(None))
              .order_by(outbox.c.id)
              .limit(batch)
              .with_for_update(skip_locked=True))
    sent_at = bindparam("sent_time", type_=outbox.c.sent_at.type)
    if not postgres:
        return RelayStatements(unsent, update(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True)))
                               .values(sent_at=sent_at), locks=False)
    # the batch is read under the partition's lock, taken by the same statement (one round trip)
    lock = select(func.pg_try_advisory_xact_lock(bindparam("lock_key", type_=Integer),
                                                 bindparam("lock_partition", type_=Integer), type_=Boolean)
                  .label("locked")).subquery("partition_lock")
    batch_rows = unsent.where(lock.c.locked).lateral("unsent")
    read = select(lock.c.locked, *batch_rows.c).select_from(lock.outerjoin(batch_rows, true()))
    # one array parameter, whatever the count: one prepared statement, not one per batch size
    sent = outbox.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return RelayStatements(read, update(outbox).where(sent).values(sent_at=sent_at), locks=True)
