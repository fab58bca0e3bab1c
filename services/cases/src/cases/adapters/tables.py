"""The cases schema: cases, their append-only timeline, number sequences and CreateCase request ids.

A case row keeps the whole aggregate in `document` and copies into columns what ListCases
and SearchCases filter and sort on. The PostgreSQL-only parts (the trigger that makes the
timeline append-only, the text-search indexes) are created by the migration, behind a
dialect check, so embedded SQLite migrates the same history.
"""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

SCHEMA = "cases"
ID = 36  # a UUID's text
NAME = 200
# the unique key a racing first use of a request id violates (a retry then finds the request)
COMMAND_REQUEST_KEY = "pk_command_requests"

metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

cases = Table(
    "cases",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("region", String(32), nullable=False),
    Column("company_id", String(NAME)),
    Column("contract_id", String(NAME)),
    Column("status", String(20), nullable=False),
    Column("priority", String(2), nullable=False),  # P1..P4: sorts as the rank does
    Column("category", String(1), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("assignee_id", String(NAME)),
    Column("manufacturer_key", String(NAME)),  # lower-cased: the filter is case-insensitive
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("version", BigInteger, nullable=False),
    # the supervisor's list filters: a complaint about the engineer awaits them; an SLA clock breached
    Column("supervisor_review", Boolean, nullable=False, server_default="false"),
    Column("sla_breached", Boolean, nullable=False, server_default="false"),
    # the timeline's chain head: the last position and its hash (VerifyTimeline compares against it)
    Column("head_position", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    # what SearchCases reads: number, description, error codes and public notes; internal notes apart,
    # so a customer's search never matches words only staff can read
    Column("search_text", Text, nullable=False),
    Column("internal_text", Text, nullable=False),
    Column("document", JsonDocument, nullable=False),
)
# each filter of ListCases, and the sorts with the id that breaks their ties
for _name, *_columns in (
    ("company_created", "company_id", "created_at"),
    ("status_created", "status", "created_at"),
    ("assignee_status", "assignee_id", "status"),
    ("region_created", "region", "created_at"),
    ("priority", "priority", "id"),
    ("category", "category"),
    ("kind", "kind"),
    ("tier", "tier"),
    ("manufacturer", "manufacturer_key"),
    ("created", "created_at", "id"),
    ("updated", "updated_at", "id"),
    ("closed", "closed_at"),
    ("supervisor_review", "supervisor_review"),
    ("sla_breached", "sla_breached"),
):
    Index(f"ix_cases_{_name}", *(cases.c[c] for c in _columns))

timeline = Table(
    "timeline",
    metadata,
    Column("case_id", String(ID), ForeignKey(f"{SCHEMA}.cases.id"), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    # actor and payload exactly as hashed (canonical JSON), so verification recomputes the same bytes
    Column("actor", Text, nullable=False),
    Column("kind", String(100), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("payload", Text, nullable=False),
    Column("corrects_position", BigInteger),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("case_id", "position", name="pk_timeline"),
)

# one row per (region, local day): `last` is the last sequence handed out that day
case_number_sequences = Table(
    "case_number_sequences",
    metadata,
    Column("region", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("last", Integer, nullable=False),
    PrimaryKeyConstraint("region", "day", name="pk_case_number_sequences"),
)

# CreateCase idempotency: a requester's request id and the case it created
# a command sent with a client's request id, and the timeline positions it added: a retry replays them
command_requests = Table(
    "command_requests",
    metadata,
    Column("requester", String(NAME), nullable=False),
    Column("request_id", String(NAME), nullable=False),
    Column("case_id", String(ID), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # of the case, the command and its arguments
    Column("positions", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("requester", "request_id", name=COMMAND_REQUEST_KEY),
)

create_requests = Table(
    "create_requests",
    metadata,
    Column("requester", String(NAME), nullable=False),
    Column("request_id", String(NAME), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # of the validated report: a reuse must match
    Column("case_id", String(ID), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("requester", "request_id", name="pk_create_requests"),
)
