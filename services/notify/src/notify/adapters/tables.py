"""The notify schema: deliveries (written before sending), the notices they came from, provider receipts,
versioned templates, company overrides, the configured staff directory and Resend request ids."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA = "notify"
ID = 64
NAME = 200

metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

# one row per (event, recipient, channel): its id is the idempotency key, so a redelivered event finds it
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("event_id", String(NAME), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("case_id", String(NAME), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("company_id", String(NAME), nullable=False),
    Column("region", String(32), nullable=False),
    Column("recipient_id", String(NAME), nullable=False),
    Column("recipient_name", String(NAME), nullable=False),
    # the recipient's company (None: staff); checked against company_id again just before sending
    Column("recipient_company_id", String(NAME)),
    Column("role", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("address", String(500), nullable=False),
    Column("language", String(8), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("state", String(16), nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("hold_reason", String(32), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("provider", String(64), nullable=False),
    Column("provider_message_id", String(NAME), nullable=False),
    Column("template", String(128), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("sms_segments", Integer, nullable=False),
    Column("digest_id", String(ID)),
    Column("digest_of", Integer, nullable=False),
    Column("resend_of", String(ID)),
    # the highest receipt status seen (1 sent, 2 undelivered, 3 delivered): receipts never go backwards
    Column("receipt_rank", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sending_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
)
Index("ix_deliveries_due", deliveries.c.state, deliveries.c.not_before)
Index("ix_deliveries_case", deliveries.c.case_id, deliveries.c.created_at)
Index("ix_deliveries_recipient", deliveries.c.recipient_id, deliveries.c.channel, deliveries.c.sending_at)
Index("ix_deliveries_provider_id", deliveries.c.provider, deliveries.c.provider_message_id)

# every notice received: what previews render against, and the caller a later event's customer message goes to
notices = Table(
    "notices",
    metadata,
    Column("event_id", String(NAME), primary_key=True),
    Column("event_type", String(64), nullable=False),
    Column("case_id", String(NAME), nullable=False),
    Column("company_id", String(NAME), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("document", JsonDocument, nullable=False),
)
Index("ix_notices_case", notices.c.case_id, notices.c.event_type)

# cases that resolved: a non-urgent message about them that would wait is not worth sending
resolved_cases = Table(
    "resolved_cases",
    metadata,
    Column("case_id", String(NAME), primary_key=True),
    Column("resolved_at", UtcDateTime, nullable=False),
)

receipts = Table(
    "receipts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(ID), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("provider_message_id", String(NAME), nullable=False),
    Column("status", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # the same receipt twice is stored once
    UniqueConstraint("provider", "provider_message_id", "status", name="uq_receipts_once"),
)
Index("ix_receipts_delivery", receipts.c.delivery_id)

templates = Table(
    "templates",
    metadata,
    Column("event_type", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(NAME), nullable=False),
    PrimaryKeyConstraint("event_type", "channel", "language", "version"),
)

company_overrides = Table(
    "company_overrides",
    metadata,
    Column("company_id", String(NAME), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("document", JsonDocument, nullable=False),
    PrimaryKeyConstraint("company_id", "event_type"),
)

# the configured directory of staff: where dispatch is not configured (development), and everyone's quiet hours
staff = Table(
    "staff",
    metadata,
    Column("staff_id", String(NAME), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("phone", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    Column("quiet_hours", String(16), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("supervisor_of_regions", JsonDocument, nullable=False),
)

resend_requests = Table(
    "resend_requests",
    metadata,
    Column("caller", String(NAME), nullable=False),
    Column("request_id", String(NAME), nullable=False),
    Column("delivery_id", String(ID), nullable=False),
    PrimaryKeyConstraint("caller", "request_id"),
)

TABLES = (deliveries, notices, resolved_cases, receipts, templates, company_overrides, staff, resend_requests)

# a role of a notice that could not be resolved yet (dispatch away): planned again from here, never dropped
# (migration 0002; not in TABLES, which 0001 creates)
role_waits = Table(
    "role_waits",
    metadata,
    Column("event_id", String(NAME), nullable=False),
    Column("role", String(32), nullable=False),
    Column("next_try_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("event_id", "role"),
)
Index("ix_role_waits_due", role_waits.c.next_try_at)
