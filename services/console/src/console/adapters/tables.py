"""The console's tables: the queue's read model (fed by case and clock events), the submissions that
make every form act once, and saved queue views. Nothing here is the truth about a case."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table

SCHEMA = "console"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

queue = Table(
    "queue", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("case_number", String(40), nullable=False, default=""),
    Column("region", String(32), nullable=False, default=""),
    Column("company_id", String(64), nullable=False, default=""),
    Column("priority", String(4), nullable=False, default=""),
    Column("status", String(32), nullable=False, default="new"),
    Column("assignee_id", String(200), nullable=False, default=""),
    Column("tier", String(32), nullable=False, default=""),
    Column("description", String(200), nullable=False, default=""),
    Column("supervisor_review", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=True),
    Column("case_seen_at", UtcDateTime, nullable=True),
    Column("clocks", JsonDocument, nullable=False),
    # derived by the domain on every change, so the queue's order is one index scan
    Column("urgency", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Column("priority_rank", Integer, nullable=False),
    Index("queue_order", "urgency", "due_at", "priority_rank", "created_at"),
)
# one row per submitted form: the first submit claims it, a repeat finds it and acts no more
submissions = Table(
    "submissions", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("outcome", String(400), nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
)
saved_views = Table(
    "saved_views", metadata,
    Column("subject", String(200), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("query", String(400), nullable=False),
)
# dispatch's reassignments (the 45-minute rule, take-overs, a supervisor's replacement) for the supervisor
reassignments = Table(
    "reassignments", metadata,
    Column("decision_key", String(200), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("case_number", String(40), nullable=False, default=""),
    Column("region", String(32), nullable=False, default=""),
    Column("company_id", String(64), nullable=False, default=""),
    Column("engineer_id", String(200), nullable=False, default=""),
    Column("previous_engineer_id", String(200), nullable=False, default=""),
    Column("reason", String(400), nullable=False, default=""),
    # the SLA's reassign action (dispatch tells the new engineer to answer at once)
    Column("sla_rule", Boolean, nullable=False, default=False),
    Column("occurred_at", UtcDateTime, nullable=True),
    Index("reassignments_recent", "occurred_at"),
)
# who has which case open, on every replica (each renews its own rows; a row not renewed expires)
presence = Table(
    "presence", metadata,
    Column("watch_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
    Index("presence_case", "case_id"),
    Index("presence_seen", "seen_at"),
)
