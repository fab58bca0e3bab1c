"""survey's tables: invitations, answers, opt-outs, case facts, calls to cases, return visits; outbox and inbox

Revision ID: 0001
"""
import sqlalchemy as sa
from aftercare_platform.db.migrations import create_platform_tables
from aftercare_platform.db.types import JsonDocument, UtcDateTime
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# spelled out, not read from today's metadata: a revision describes its own moment
SCHEMA = "survey"
TABLES = ("campaigns", "return_visits", "case_calls", "case_facts", "opt_outs", "answers", "invitations")


def upgrade() -> None:
    create_platform_tables(op.get_bind(), SCHEMA)
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64)),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("engineer_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rma", sa.Boolean(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_phone", sa.String(64), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("contact_key", sa.String(320), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("questionnaire", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("skip_reason", sa.String(32)),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("expires_at", UtcDateTime()),
        sa.Column("answered_at", UtcDateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(64)),
        sa.UniqueConstraint("case_id", "closed_at", name="uq_invitations_case_closing"),
        schema=SCHEMA,
    )
    op.create_index("ix_invitations_campaign", "invitations", ["campaign_id", "status"], schema=SCHEMA)
    op.create_index("ix_invitations_case", "invitations", ["case_id"], schema=SCHEMA)
    op.create_index("ix_invitations_contact", "invitations", ["contact_key", "sent_at"], schema=SCHEMA)
    op.create_index("ix_invitations_due", "invitations", ["status", "due_at"], schema=SCHEMA)
    op.create_table(
        "answers",
        sa.Column("invitation_id", sa.String(64), primary_key=True),
        sa.Column("values", JsonDocument, nullable=False),
        sa.Column("unsatisfied", sa.Boolean(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.Column("complaint_filed", sa.Boolean(), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "opt_outs",
        sa.Column("contact_key", sa.String(320), primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("sla_breaches", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("field_visit", sa.Boolean(), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "case_calls",
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text()),
        schema=SCHEMA,
    )
    op.create_index("ix_case_calls_due", "case_calls", ["status", "due_at"], schema=SCHEMA)
    op.create_table(
        "return_visits",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("engineer_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", JsonDocument),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_return_visits_status", "return_visits", ["status", "due_at"], schema=SCHEMA)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(16), nullable=False, unique=True),
        sa.Column("questionnaire", sa.String(200), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("remind_at", UtcDateTime(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table, schema=SCHEMA)
