"""role_waits: the roles of a notice planned again once dispatch answers

Revision ID: 0002
"""

import sqlalchemy as sa
from aftercare_platform.db.types import UtcDateTime
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_waits",
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("next_try_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "role"),
        schema="notify",
    )
    op.create_index("ix_role_waits_due", "role_waits", ["next_try_at"], schema="notify")


def downgrade() -> None:
    op.drop_index("ix_role_waits_due", table_name="role_waits", schema="notify")
    op.drop_table("role_waits", schema="notify")
