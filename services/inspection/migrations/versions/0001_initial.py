"""inspection's tables: plans, checklists (versioned), visits, reports, findings, deliveries, data sets, watches
(the outbox and inbox come from the platform's own history, applied first)

Revision ID: 0001
"""
import sqlalchemy as sa
from aftercare_platform.db.types import JsonDocument, UtcDateTime
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# spelled out, not read from today's metadata: a revision describes its own moment
SCHEMA = "inspection"


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("last_done_on", sa.String(10)),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_plans_company_id", "plans", ["company_id"], schema=SCHEMA)
    op.create_table(
        "checklists",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scheduled_on", sa.String(10), nullable=False),
        sa.Column("notice_on", sa.String(10)),
        sa.Column("notice_sent", sa.Boolean, nullable=False),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_visits_status_day", "visits", ["status", "scheduled_on"], schema=SCHEMA)
    op.create_index("ix_visits_plan_id", "visits", ["plan_id"], schema=SCHEMA)
    op.create_index("ix_visits_company_id", "visits", ["company_id"], schema=SCHEMA)
    op.create_table(
        "reports",
        sa.Column("visit_id", sa.String(128), primary_key=True),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("warn_at", UtcDateTime(), nullable=False),
        sa.Column("warned", sa.Boolean, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_reports_company_id", "reports", ["company_id"], schema=SCHEMA)
    op.create_index("ix_reports_due_at", "reports", ["due_at"], schema=SCHEMA)
    op.create_table(
        "findings",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("visit_id", sa.String(128), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_findings_visit_id", "findings", ["visit_id"], schema=SCHEMA)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_at"], schema=SCHEMA)
    op.create_table(
        "data_sets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("visit_id", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_data_sets_visit_id", "data_sets", ["visit_id"], schema=SCHEMA)
    op.create_table(
        "watches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("doc", JsonDocument, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_watches_company_id", "watches", ["company_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("watches", schema=SCHEMA)
    op.drop_table("data_sets", schema=SCHEMA)
    op.drop_table("deliveries", schema=SCHEMA)
    op.drop_table("findings", schema=SCHEMA)
    op.drop_table("reports", schema=SCHEMA)
    op.drop_table("visits", schema=SCHEMA)
    op.drop_table("checklists", schema=SCHEMA)
    op.drop_table("plans", schema=SCHEMA)
