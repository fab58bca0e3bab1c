"""who holds each case: cases.assignee_id, clocks.assignee_id (copied for firing), compliance_facts.engineer_id;
what the customer stated: cases.customer_severity, cases.requested_response_seconds

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
TERMS = {"customer_severity": sa.String(2), "requested_response_seconds": sa.Integer()}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # 0001 creates the tables from the current metadata, which may already have them
    for table, name in COLUMNS.items():
        if name not in {c["name"] for c in inspector.get_columns(table, schema=SCHEMA)}:
            op.add_column(table, sa.Column(name, sa.String(64), nullable=False, server_default=""), schema=SCHEMA)
    present = {c["name"] for c in inspector.get_columns("cases", schema=SCHEMA)}
    for name, kind in TERMS.items():
        if name not in present:
            op.add_column("cases", sa.Column(name, kind, nullable=True), schema=SCHEMA)


def downgrade() -> None:
    for name in TERMS:
        op.drop_column("cases", name, schema=SCHEMA)
    for table, name in COLUMNS.items():
        op.drop_column(table, name, schema=SCHEMA)
