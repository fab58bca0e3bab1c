"""the probe's tables, with its outbox and inbox

Revision ID: 0001
"""
import sqlalchemy as sa
from aftercare_platform.db.migrations import create_platform_tables
from aftercare_platform.db.types import UtcDateTime
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# spelled out, not read from today's metadata: a revision describes its own moment
SCHEMA = "probe"


def upgrade() -> None:
    create_platform_tables(op.get_bind(), SCHEMA)  # no-op where the platform's history made them
    op.create_table(
        "pings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("text", sa.String(200)),
        sa.Column("by", sa.String(200)),
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
