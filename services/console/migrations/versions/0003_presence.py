"""console's presence: who has which case open, shared by every console replica

Revision ID: 0003
"""
import sqlalchemy as sa
from aftercare_platform.db.types import UtcDateTime
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "console"


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("watch_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("seen_at", UtcDateTime, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("presence_case", "presence", ["case_id"], schema=SCHEMA)
    op.create_index("presence_seen", "presence", ["seen_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("presence_seen", "presence", schema=SCHEMA)
    op.drop_index("presence_case", "presence", schema=SCHEMA)
    op.drop_table("presence", schema=SCHEMA)
