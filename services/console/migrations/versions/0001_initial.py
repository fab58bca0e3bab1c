"""console's tables: the queue read model, form submissions, saved views (the outbox and inbox come from
the platform's own history, applied first)

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
SCHEMA = "console"


def upgrade() -> None:
    op.create_table(
        "queue",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("assignee_id", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("supervisor_review", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("case_seen_at", UtcDateTime(), nullable=True),
        sa.Column("clocks", JsonDocument, nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("queue_order", "queue", ["urgency", "due_at", "priority_rank", "created_at"], schema=SCHEMA)
    op.create_table(
        "submissions",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(400), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "saved_views",
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("query", sa.String(400), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("saved_views", schema=SCHEMA)
    op.drop_table("submissions", schema=SCHEMA)
    op.drop_index("queue_order", "queue", schema=SCHEMA)
    op.drop_table("queue", schema=SCHEMA)
