"""The platform tables' shapes as of each platform revision, frozen: a revision never reads the live
metadata (outbox/tables.py), so changing that later changes no history. A change to the outbox or
inbox is a new revision in versions/ (explicit op.* calls) plus the matching edit of outbox/tables.py;
tests compare the migrated schema with the live metadata."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

OUTBOX = "outbox"
INBOX = "inbox"
_JSON = JSON().with_variant(JSONB(), "postgresql")


def outbox_columns_v1() -> list[Any]:
    return [
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", Uuid(as_uuid=False), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        Column("partition", SmallInteger, nullable=False),
        Column("routing_key", String(255), nullable=False),
        Column("envelope", _JSON, nullable=False),
        Column("headers", _JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    ]


def outbox_indexes_v1() -> list[tuple[str, list[str], dict[str, Any]]]:
    """(name, columns, dialect options) of the outbox's indexes."""
    unsent = text("sent_at IS NULL")
    return [
        (f"ix_{OUTBOX}_unsent", ["partition", "id"], {"postgresql_where": unsent, "sqlite_where": unsent}),
        (f"ix_{OUTBOX}_sent_at", ["sent_at"], {}),
    ]


def inbox_columns_v1() -> list[Any]:
    return [
        Column("consumer", String(200), nullable=False),
        Column("event_id", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name=f"pk_{INBOX}"),
    ]


def target_schema() -> str:
    """The service schema db/migrations.py is applying this history into (inside a revision)."""
    from alembic import op

    config = op.get_context().config
    assert config is not None
    return str(config.attributes["schema"])
