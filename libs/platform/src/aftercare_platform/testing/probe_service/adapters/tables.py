"""The probe's schema: its tables beside the platform's outbox and inbox."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from aftercare_platform.db.types import UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables

SCHEMA = "probe"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)
pings = Table("pings", metadata, Column("id", String(64), primary_key=True), Column("text", String(200)),
              Column("by", String(200)), Column("at", UtcDateTime, nullable=False))
received = Table("received", metadata, Column("event_id", String(64), primary_key=True),
                 Column("ping_id", String(64), nullable=False))
