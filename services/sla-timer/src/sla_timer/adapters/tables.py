"""The sla_timer schema: policies and calendars, what is known of each case, clocks, firings, facts.

Works on PostgreSQL and on embedded SQLite (PostgreSQL-only tuning lives in the migration)."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

SCHEMA = "sla_timer"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

NAME = 100
ID = 64

# one row per calendar and per policy, in the YAML document form (policy_yaml's dicts)
calendars = Table(
    "calendars",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("document", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
policies = Table(
    "policies",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("document", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
# a single row: the default policy, and a version every change bumps so replicas reload their copy
policy_set = Table(
    "policy_set",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("default_policy", String(NAME), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("source", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# what the case events told us of each case (the snapshot every case event carries)
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(ID), primary_key=True),
    Column("case_number", String(32), nullable=False, index=True),
    Column("region", String(32), nullable=False),
    Column("company_id", String(ID), nullable=False),
    Column("contract_id", String(ID), nullable=False),
    Column("priority", String(2), nullable=True),
    # who holds the case ("" while unassigned: the desk)
    Column("assignee_id", String(ID), nullable=False, server_default=""),
    # what the customer stated when reporting (plan 003 §3), from the created event
    Column("customer_severity", String(2), nullable=True),
    Column("requested_response_seconds", Integer, nullable=True),
    # the policy and reply settings last announced to cases (aftercare.sla.policy_applied.v1); null: none yet
    Column("applied_policy", JsonDocument, nullable=True),
    # the time of the newest event the snapshot came from: an older event never overwrites it
    Column("snapshot_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
# the SLA policy each contract selects, from intake's contract events
contract_policies = Table(
    "contract_policies",
    metadata,
    Column("contract_id", String(ID), primary_key=True),
    Column("policy_name", String(NAME), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# one row per (case, clock kind); `state` is clock_codec's JSON (plain json: it is read and written
# whole, never queried inside, and json costs PostgreSQL less than jsonb to take in and give back)
clocks = Table(
    "clocks",
    metadata,
    Column("case_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("state", JSON, nullable=False),
    # what firing each upcoming item writes (adapters/firing_plan.py); NULL: not prepared (the firing loop
    # prepares it), always NULL on embedded SQLite, which fires in Python
    Column("plan", JSON().with_variant(JSONB(), "postgresql"), nullable=True),
    # when each item fired since `state` was written, in due order (PostgreSQL's firing statement records
    # only this; readers replay it onto the document: clock_repository.clock_of_row); NULL or empty: none
    Column("fired_times", JSON().with_variant(ARRAY(TIMESTAMP(timezone=True)), "postgresql"), nullable=True),
    # the next warning or breach to fire; NULL when nothing is pending (closed or paused)
    Column("next_due_at", UtcDateTime, nullable=True),
    Column("version", BigInteger, nullable=False),
    # copied from the case so firing needs no join
    Column("case_number", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("company_id", String(ID), nullable=False),
    # the case's assignee when the firing plan was made ("" unassigned): a new assignee re-plans
    Column("assignee_id", String(ID), nullable=False, server_default=""),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("case_id", "kind", name="pk_clocks"),
)
# the firing loop's only index: small, because only clocks with something pending are in it
Index(
    "ix_clocks_next_due_at",
    clocks.c.next_due_at,
    postgresql_where=clocks.c.next_due_at.is_not(None),
    sqlite_where=clocks.c.next_due_at.is_not(None),
)

# every warning and breach fired, once: the unique key is the last guard against a double firing
fired = Table(
    "fired",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("case_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("item", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime, nullable=False),
    Column("event_id", String(ID), nullable=False),
    UniqueConstraint("case_id", "kind", "cycle", "item", "due_at", name="uq_fired_once"),
)
Index("ix_fired_due_at", fired.c.due_at)

# the compliance report's facts: one row per clock cycle that has a verdict (met or breached)
compliance_facts = Table(
    "compliance_facts",
    metadata,
    Column("case_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("company_id", String(ID), nullable=False),
    Column("region", String(32), nullable=False),
    Column("priority", String(2), nullable=False),
    Column("policy", String(NAME), nullable=False),
    # who held the case when the outcome happened ("" unassigned: the desk)
    Column("engineer_id", String(ID), nullable=False, server_default=""),
    Column("outcome", String(8), nullable=False),
    # "YYYY-MM" of the verdict, in the time zone of the clock's calendar
    Column("month", String(7), nullable=False),
    Column("verdict_at", UtcDateTime, nullable=False),
    Column("business_elapsed_seconds", Float, nullable=False),
    Column("target_seconds", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("case_id", "kind", "cycle", name="pk_compliance_facts"),
)
Index("ix_compliance_facts_month_company", compliance_facts.c.month, compliance_facts.c.company_id)
