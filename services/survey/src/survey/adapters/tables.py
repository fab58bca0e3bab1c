"""survey's tables in its own schema, with the platform's outbox and inbox."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

SCHEMA = "survey"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

# one row per closed case (per closing: a case reopened and closed again is asked again)
invitations = Table(
    "invitations", metadata,
    Column("id", String(64), primary_key=True),
    # NULL for a campaign's invitation (about the service in general, not one case)
    Column("case_id", String(64)),
    Column("case_number", String(64), nullable=False),
    Column("company_id", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("engineer_id", String(64), nullable=False),
    Column("category", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("rma", Boolean, nullable=False),
    Column("closed_at", UtcDateTime, nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_phone", String(64), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("contact_key", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    Column("questionnaire", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Column("skip_reason", String(32)),
    Column("sent_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    Column("answered_at", UtcDateTime),
    Column("attempts", Integer, nullable=False),
    Column("campaign_id", String(64)),
    # the request of a customer who opened it itself ("give feedback now"); NULL when the worker sent it
    Column("opened_request_id", String(128)),
    UniqueConstraint("case_id", "closed_at", name="uq_invitations_case_closing"),
)
Index("ix_invitations_due", invitations.c.status, invitations.c.due_at)
Index("ix_invitations_contact", invitations.c.contact_key, invitations.c.sent_at)
Index("ix_invitations_case", invitations.c.case_id)
Index("ix_invitations_campaign", invitations.c.campaign_id, invitations.c.status)

# the half-yearly questionnaire to every customer contact, one per period
campaigns = Table(
    "campaigns", metadata,
    Column("id", String(64), primary_key=True),
    Column("period", String(16), nullable=False, unique=True),
    Column("questionnaire", String(200), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("started_by", String(200), nullable=False),
    Column("remind_at", UtcDateTime, nullable=False),
    Column("reminded", Boolean, nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("invitation_id", String(64), primary_key=True),
    Column("values", JsonDocument, nullable=False),
    Column("unsatisfied", Boolean, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
    Column("complaint_filed", Boolean, nullable=False),
)

# contacts who asked never to be surveyed again
opt_outs = Table(
    "opt_outs", metadata,
    Column("contact_key", String(320), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
)

# what survey knows about a case beyond its invitation: reopens, SLA breaches, field visits
case_facts = Table(
    "case_facts", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("reopen_count", Integer, nullable=False),
    Column("sla_breaches", Integer, nullable=False),
    Column("sla_met", Integer, nullable=False),
    Column("field_visit", Boolean, nullable=False),
)

# calls to cases that must happen once (reopen, complaint, timeline note): written with the fact
# that needs them, carried out by the worker, retried while cases is away
case_calls = Table(
    "case_calls", metadata,
    Column("id", String(160), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("outcome", Text),
)
Index("ix_case_calls_due", case_calls.c.status, case_calls.c.due_at)

return_visits = Table(
    "return_visits", metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("company_id", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("engineer_id", String(64), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("outcome", JsonDocument),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_return_visits_status", return_visits.c.status, return_visits.c.due_at)
