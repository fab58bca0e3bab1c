"""inspection's first tables (the outbox and inbox come from the platform's own history, applied first)

Revision ID: 0001
"""
import sqlalchemy as sa
from aftercare_platform.db.types import UtcDateTime
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# spelled out, not read from today's metadata: a revision describes its own moment
SCHEMA = "inspection"


def upgrade() -> None:
    op.create_table(
        "pings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "received",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("ping_id", sa.String(64), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("received", schema=SCHEMA)
    op.drop_table("pings", schema=SCHEMA)
