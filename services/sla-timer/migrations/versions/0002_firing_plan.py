"""clocks.plan and clocks.fired_times: PostgreSQL fires a batch of clocks in one statement

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sla_timer.adapters.tables import SCHEMA
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = {
    "plan": sa.JSON().with_variant(JSONB(), "postgresql"),
    "fired_times": sa.JSON().with_variant(ARRAY(TIMESTAMP(timezone=True)), "postgresql"),
}


def upgrade() -> None:
    # 0001 creates the tables from the current metadata, which may already have them
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("clocks", schema=SCHEMA)}
    for name, kind in COLUMNS.items():
        if name not in present:
            op.add_column("clocks", sa.Column(name, kind), schema=SCHEMA)


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_column("clocks", name, schema=SCHEMA)
