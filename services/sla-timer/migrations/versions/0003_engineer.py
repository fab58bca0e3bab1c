"""who holds each case: cases.assignee_id, clocks.assignee_id (copied for firing), compliance_facts.engineer_id;
what the customer stated: cases.customer_severity, cases.requested_response_seconds

Revision ID: 0003
"""

import sqlalchemy as sa
from aftercare_platform.db.migrations import add_missing_columns
from alembic import op
from sla_timer.adapters.tables import SCHEMA

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {"cases": "assignee_id", "clocks": "assignee_id", "compliance_facts": "engineer_id"}
TERMS = {"customer_severity": sa.String(2), "requested_response_seconds": sa.Integer()}


def upgrade() -> None:
    for table, name in COLUMNS.items():
        add_missing_columns(table, SCHEMA, [sa.Column(name, sa.String(64), nullable=False, server_default="")])
    add_missing_columns("cases", SCHEMA, [sa.Column(name, kind, nullable=True) for name, kind in TERMS.items()])


def downgrade() -> None:
    for name in TERMS:
        op.drop_column("cases", name, schema=SCHEMA)
    for table, name in COLUMNS.items():
        op.drop_column(table, name, schema=SCHEMA)
