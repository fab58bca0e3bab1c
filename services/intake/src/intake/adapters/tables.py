"""Intake's tables in its own schema: the registry, durable submissions, and what it learns from case events."""

from __future__ import annotations

from aftercare_platform.db.types import JsonDocument, UtcDateTime
from aftercare_platform.outbox.tables import define_platform_tables
from sqlalchemy import Column, Date, Float, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text
from sqlalchemy.sql import literal_column

SCHEMA = "intake"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)

ID = 100  # registry ids as given (CSV imports keep the customer's own ids)

# ---- the registry ------------------------------------------------------------------------

companies = Table(
    "companies", metadata,
    Column("company_id", String(ID), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("name_key", String(500), nullable=False, index=True),  # case-folded, for "company" hints by name
    Column("region", String(32)),
    Column("updated_at", UtcDateTime, nullable=False),
)

contacts = Table(
    "contacts", metadata,
    Column("contact_id", String(ID), primary_key=True),
    Column("company_id", String(ID), nullable=False, index=True),
    Column("name", String(500), nullable=False),
    Column("phone", String(32), index=True),  # E.164
    Column("email", String(254), index=True),  # normalised, matched case-insensitively
    Column("role", String(500)),
    Column("site_id", String(ID)),
    Column("language", String(8)),
    Column("updated_at", UtcDateTime, nullable=False),
)

contracts = Table(
    "contracts", metadata,
    Column("contract_id", String(ID), primary_key=True),
    Column("company_id", String(ID), nullable=False, index=True),
    Column("sla_policy", String(ID), nullable=False),
    Column("start_on", Date, nullable=False),
    Column("acceptance_on", Date),
    Column("warranty_months", Integer, nullable=False),
    Column("billable_rule", Text),
    Column("updated_at", UtcDateTime, nullable=False),
)

sites = Table(
    "sites", metadata,
    Column("site_id", String(ID), primary_key=True),
    Column("company_id", String(ID), nullable=False, index=True),
    Column("name", String(500), nullable=False),
    Column("address", String(500), nullable=False),
    Column("region", String(32), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

assets = Table(
    "assets", metadata,
    # "<manufacturer case-folded>:<serial>": serials are unique per manufacturer only
    Column("asset_key", String(700), primary_key=True),
    Column("serial_number", String(ID), nullable=False, index=True),
    Column("manufacturer", String(500), nullable=False),
    Column("model", String(500)),
    Column("site_id", String(ID), index=True),
    Column("contract_id", String(ID), index=True),
    Column("installed_on", Date),
    Column("accepted_on", Date),
    Column("manufacturer_warranty_end", Date),
    Column("updated_at", UtcDateTime, nullable=False),
)

# ---- durable submissions -------------------------------------------------------------------

submissions = Table(
    "submissions", metadata,
    Column("receipt_id", String(36), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("outcome", String(40), nullable=False),  # new_case / note_on_quoted_case / alarm_folded / duplicate_noted
    Column("state", String(16), nullable=False),  # pending / submitted / failed
    Column("request", JsonDocument, nullable=False),  # the normalised IntakeRequest
    Column("plan", JsonDocument, nullable=False),  # what cases is asked: the CreateCase fields and the note text
    Column("identification", JsonDocument, nullable=False),  # who and what was found, and why (for the receipt)
    Column("target_case_number", String(32)),  # a note on this case ...
    Column("target_receipt_id", String(36)),  # ... or on the case this (still pending) receipt opens
    Column("asset_key", String(700)),
    Column("alarm_code", String(200)),
    Column("partner_id", String(200)),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),  # a deliverer's lease, so two replicas never deliver one row at once
    Column("last_error", Text),
    Column("case_id", String(64)),
    Column("case_number", String(32)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime),
    # the batch of repeated alarms this one travels to its case in (its first alarm's receipt id; see
    # domain.note_batches): fixed when the deliverer first claims it, so a batch sent again is the same batch
    Column("note_batch", String(36)),
)
Index("ix_submissions_due", submissions.c.state, submissions.c.next_attempt_at)
# the cases still being opened for a device (what a repeat folds into before its case has a number): partial, so
# the many writes of other pending rows (a storm's repeats) add nothing to it; the query spells the same constants
OPENING = (submissions.c.state == literal_column("'pending'"), submissions.c.outcome == literal_column("'new_case'"))
Index("ix_submissions_opening", submissions.c.asset_key, postgresql_where=OPENING[0] & OPENING[1],
      sqlite_where=OPENING[0] & OPENING[1])
Index("ix_submissions_target_receipt", submissions.c.target_receipt_id)
Index("ix_submissions_note_batch", submissions.c.note_batch)

# idempotency keys: a partner's request id, an email's Message-ID, an SMS gateway's message id
request_keys = Table(
    "request_keys", metadata,
    Column("scope", String(220), nullable=False),  # "partner:<subject>", "email", "sms", "alarm:<subject>", ...
    Column("key", String(250), nullable=False),
    Column("receipt_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_request_keys"),
)

# what did not become a case or a note, and why (also published as aftercare.intake.rejected.v1)
rejections = Table(
    "rejections", metadata,
    Column("rejection_id", String(36), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("field", String(200)),
    Column("sender", String(300)),
    Column("channel_message_id", String(300)),
    Column("received_at", UtcDateTime, nullable=False, index=True),
)

# ---- learnt from case events -----------------------------------------------------------------

# every case intake knows of, for duplicate detection and alarm folding
known_cases = Table(
    "known_cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("case_number", String(32), nullable=False, unique=True),
    Column("company_id", String(ID)),
    Column("contract_id", String(ID)),
    Column("asset_key", String(700), index=True),
    Column("description", Text, nullable=False),
    Column("error_codes", JsonDocument, nullable=False),
    Column("alarm_code", String(200)),
    Column("priority", String(4)),
    Column("status", String(32), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("last_event_at", UtcDateTime, nullable=False),  # a stale (out-of-order) event never rolls the status back
    # who may add to the case by quoting its number (domain.sender_rights): the reporting address and partner
    Column("caller_email", String(254)),
    Column("caller_phone", String(32)),
    Column("reported_by", String(200)),
)

# vendor-fault downtime: resolved P1 cases, opened -> restored (opened_at unknown until case.created is seen)
downtime = Table(
    "downtime", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("case_number", String(32), nullable=False),
    Column("asset_key", String(700), index=True),
    Column("contract_id", String(ID), index=True),
    Column("opened_at", UtcDateTime),
    Column("restored_at", UtcDateTime, nullable=False),
)

# the web form's per-client token buckets, shared by every replica (adapters.rate_limit)
rate_buckets = Table(
    "rate_buckets", metadata,
    Column("client", String(200), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),  # epoch seconds
)

SERVICE_TABLES = (companies, contacts, contracts, sites, assets, submissions, request_keys, rejections,
                  known_cases, downtime)
