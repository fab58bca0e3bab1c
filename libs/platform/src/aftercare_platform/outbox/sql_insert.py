"""The outbox INSERT for writers that batch events in one SQL statement (PostgreSQL): the row and its
CloudEvent envelope built in the database, in exactly the shape `UnitOfWork.emit` writes
(`outbox_row` and `CloudEvent.to_dict`), so the relay and every consumer see no difference."""

from __future__ import annotations

from aftercare_platform.bus.envelope import SPEC_VERSION
from aftercare_platform.outbox.tables import OUTBOX

DATA_CONTENT_TYPE = "application/json"


def outbox_insert_sql(
    schema: str,
    *,
    rows: str,
    event_id: str,
    event_type: str,
    aggregate_id: str,
    partition: str,
    routing_key: str,
    subject: str,
    region: str,
    data: str,
    time: str,
    source: str,
    headers: str,
    created_at: str,
) -> str:
    """`INSERT INTO "<schema>".outbox (…) SELECT … FROM <rows>`; every other argument is a SQL expression
    over `rows`: `event_id` a uuid, `time` the envelope's RFC 3339 text (`bus.envelope.rfc3339`), `data` a
    jsonb object, `headers` jsonb (the trace context), `partition` smallint (`unit_of_work.partition_of`
    of the aggregate), `created_at` a timestamptz. Add `RETURNING …` to use it in a CTE."""
    envelope = (
        f"jsonb_build_object('specversion', '{SPEC_VERSION}', 'id', ({event_id})::text, 'source', ({source})::text, "
        f"'type', ({event_type})::text, 'subject', ({subject})::text, 'time', ({time})::text, "
        f"'datacontenttype', '{DATA_CONTENT_TYPE}', 'region', ({region})::text, 'data', ({data})::jsonb)"
    )
    return (
        f'INSERT INTO "{schema}".{OUTBOX} (event_id, event_type, aggregate_id, partition, routing_key, envelope, '
        f"headers, created_at)\n"
        f"SELECT ({event_id})::uuid, ({event_type})::text, ({aggregate_id})::text, ({partition})::smallint, "
        f"({routing_key})::text,\n       {envelope},\n       ({headers})::jsonb, ({created_at})::timestamptz\n"
        f"FROM {rows}"
    )
