"""inspection's tables in its own schema, with the platform's outbox and inbox."""

from __future__ import annotations

from aftercare_platform.db.types import UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import Column, MetaData, String, Table

SCHEMA = "inspection"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

pings = Table(
    "pings", metadata,
    Column("id", String(64), primary_key=True),
    Column("text", String(200), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
# what the consumer recorded: one row per delivered event
received = Table(
    "received", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("ping_id", String(64), nullable=False),
)
