"""The dispatch schema: engineers, teams and rosters (as their contract's JSON), dispatch's view of the
open cases (whose load is whose), and every routing decision with its explanation."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

SCHEMA = "dispatch"
ID = 200

metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

engineers = Table(
    "engineers",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("subject", String(ID), nullable=False),
    Column("document", JsonDocument, nullable=False),  # aftercare.dispatch.v1.Engineer, proto3 JSON
    Column("updated_at", UtcDateTime, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("region", String(32), nullable=False),
    Column("document", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

rosters = Table(
    "rosters",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("region", String(32), nullable=False),
    Column("team", String(ID), nullable=False),
    Column("document", JsonDocument, nullable=False),  # aftercare.dispatch.v1.Roster, proto3 JSON
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_rosters_region", "region"),
)

# what dispatch knows of each case: where it is and who holds it (an engineer's load is its open cases here)
case_view = Table(
    "case_view",
    metadata,
    Column("case_id", String(ID), primary_key=True),
    Column("case_number", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("company_id", String(ID), nullable=False),
    Column("assignee_id", String(ID)),
    Column("open", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_case_view_assignee", "assignee_id", "open"),
)

# one row per decision, keyed so that the same SLA firing (or case) is decided once
decisions = Table(
    "decisions",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("case_id", String(ID), nullable=False),
    Column("purpose", String(20), nullable=False),  # route | replace | escalate | notify
    Column("chosen", String(ID)),
    Column("previous", String(ID)),
    Column("rule", String(80), nullable=False),
    Column("summary", Text, nullable=False),
    Column("candidates", JsonDocument, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("day", String(10), nullable=False),  # the region's local date, for fairness over the day
    Column("state", String(20), nullable=False),  # pending | done | refused | skipped | queued
    Column("outcome", Text, nullable=False),
    Index("ix_decisions_case", "case_id", "decided_at"),
    Index("ix_decisions_chosen_day", "chosen", "day"),
)

# field visits; the document is the contract's Visit (proto3 JSON)
visits = Table(
    "visits",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), nullable=False),
    Column("status", String(20), nullable=False),
    Column("document", JsonDocument, nullable=False),
    # the case as the visit's events describe it: number, region, company, contract, priority
    Column("case_snapshot", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_visits_case", "case_id"),
)

# loaner devices out with customers; the document is the contract's Loaner (proto3 JSON)
loaners = Table(
    "loaners",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), nullable=False),
    Column("status", String(20), nullable=False),
    # when the sweep next has something to do for it (a reminder, the transfer); null once closed
    Column("next_action_at", UtcDateTime),
    Column("document", JsonDocument, nullable=False),
    Column("case_snapshot", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_loaners_next_action", "next_action_at"),
    Index("ix_loaners_case", "case_id"),  # migration 0004: a case's loaners (ListLoaners)
)

# RMA of faulty hardware; the document is the contract's Rma (proto3 JSON)
rmas = Table(
    "rmas",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), nullable=False),
    Column("document", JsonDocument, nullable=False),
    Column("case_snapshot", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_rmas_case", "case_id"),
)

# spare parts: one row per depot and part, and every move that changed it
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("depot", String(ID), nullable=False),
    Column("part", String(ID), nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("defective", Integer, nullable=False),
    Column("minimum", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("depot", "part", name="pk_stock_levels"),
)

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("depot", String(ID), nullable=False),
    Column("part", String(ID), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("case_id", String(ID), nullable=False),
    Column("note", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_stock_moves_depot", "depot", "id"),
    Index("ix_stock_moves_case", "case_id"),
)

# the original vendor on a case (one per case); the document is the contract's VendorEngagement (proto3 JSON)
vendor_engagements = Table(
    "vendor_engagements",
    metadata,
    Column("id", String(ID), primary_key=True),  # the case id
    Column("document", JsonDocument, nullable=False),
    Column("case_snapshot", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# RequestVisit's idempotency keys: a repeated key answers the visit it first made
visit_requests = Table(
    "visit_requests",
    metadata,
    Column("request_id", String(200), primary_key=True),
    Column("visit_id", String(ID), nullable=False),
    Column("case_id", String(ID), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
