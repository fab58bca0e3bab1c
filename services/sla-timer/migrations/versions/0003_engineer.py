"""who holds each case: cases.assignee_id, clocks.assignee_id (copied for firing), compliance_facts.engineer_id

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sla_timer.adapters.tables import SCHEMA

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {"cases": "assignee_id", "clocks": "assignee_id", "compliance_facts": "engineer_id"}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # 0001 creates the tables from the current metadata, which may already have them
    for table, name in COLUMNS.items():
        if name not in {c["name"] for c in inspector.get_columns(table, schema=SCHEMA)}:
            op.add_column(table, sa.Column(name, sa.String(64), nullable=False, server_default=""), schema=SCHEMA)


def downgrade() -> None:
    for table, name in COLUMNS.items():
        op.drop_column(table, name, schema=SCHEMA)
