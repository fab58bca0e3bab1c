"""inspection's tables in its own schema, with the platform's outbox and inbox.

Each aggregate is a JSON document (adapters/codec.py) beside the columns its queries filter on."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import Boolean, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text

SCHEMA = "inspection"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

plans = Table(
    "plans", metadata,
    Column("id", String(64), primary_key=True),
    Column("company_id", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("last_done_on", String(10)),
    Column("doc", JsonDocument, nullable=False),
    Index("ix_plans_company_id", "company_id"),
)
checklists = Table(
    "checklists", metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", JsonDocument, nullable=False),
)
visits = Table(
    "visits", metadata,
    Column("id", String(128), primary_key=True),
    Column("plan_id", String(64), nullable=False),
    Column("company_id", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("scheduled_on", String(10), nullable=False),
    Column("notice_on", String(10)),
    Column("notice_sent", Boolean, nullable=False),
    Column("doc", JsonDocument, nullable=False),
    Index("ix_visits_status_day", "status", "scheduled_on"),
    Index("ix_visits_plan_id", "plan_id"),
    Index("ix_visits_company_id", "company_id"),
)
reports = Table(
    "reports", metadata,
    Column("visit_id", String(128), primary_key=True),
    Column("company_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("warn_at", UtcDateTime, nullable=False),
    Column("warned", Boolean, nullable=False),
    Column("overdue", Boolean, nullable=False),
    Column("doc", JsonDocument, nullable=False),
    Index("ix_reports_company_id", "company_id"),
    Index("ix_reports_due_at", "due_at"),
)
findings = Table(
    "findings", metadata,
    Column("id", String(200), primary_key=True),
    Column("visit_id", String(128), nullable=False),
    Column("company_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("doc", JsonDocument, nullable=False),
    Index("ix_findings_visit_id", "visit_id"),
)
# calls to other services owed by a committed change (open a case, request a visit): kept in the
# same transaction as the change, carried out by the worker, retried while the other side is away
deliveries = Table(
    "deliveries", metadata,
    Column("id", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", UtcDateTime, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Index("ix_deliveries_due", "state", "next_at"),
)
# the content of remote data sets (monthly trace files) customers upload
data_sets = Table(
    "data_sets", metadata,
    Column("id", String(64), primary_key=True),
    Column("visit_id", String(128), nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_data_sets_visit_id", "visit_id"),
)
watches = Table(
    "watches", metadata,
    Column("id", String(64), primary_key=True),
    Column("company_id", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("doc", JsonDocument, nullable=False),
    Index("ix_watches_company_id", "company_id"),
)
