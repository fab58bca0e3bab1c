"""the policy and reply settings last announced to cases for each case: cases.applied_policy

Revision ID: 0004
"""

import sqlalchemy as sa
from aftercare_platform.db.types import JsonDocument
from alembic import op
from sla_timer.adapters.tables import SCHEMA

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 creates the tables from the current metadata, which may already have it
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("cases", schema=SCHEMA)}
    if "applied_policy" not in present:
        op.add_column("cases", sa.Column("applied_policy", JsonDocument, nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("cases", "applied_policy", schema=SCHEMA)
