"""The outbox and inbox tables every service keeps in its own schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from aftercare_platform.db.types import JsonDocument, UtcDateTime

OUTBOX = "outbox"
INBOX = "inbox"


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table


def define_platform_tables(metadata: MetaData) -> PlatformTables:
    """Add outbox and inbox to a service's metadata (so its migrations create them)."""
    outbox = Table(
        OUTBOX,
        metadata,
        # BigInteger on PostgreSQL; SQLite only autoincrements a plain INTEGER primary key
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", Uuid(as_uuid=False), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        # events of one aggregate share a partition, which one relay drains at a time, in id order
        Column("partition", SmallInteger, nullable=False),
        Column("routing_key", String(255), nullable=False),
        Column("envelope", JsonDocument, nullable=False),
        Column("headers", JsonDocument, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        # set only by relays of before platform revision p0002 (rolling upgrade); today's delete what they sent
        Column("sent_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    )
    Index(
        f"ix_{OUTBOX}_unsent",
        outbox.c.partition,
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    inbox = Table(
        INBOX,
        metadata,
        Column("consumer", String(200), nullable=False),
        Column("event_id", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("handled_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name=f"pk_{INBOX}"),
    )
    return PlatformTables(outbox=outbox, inbox=inbox)
