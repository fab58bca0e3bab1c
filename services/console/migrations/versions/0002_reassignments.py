"""console's reassignments: dispatch's reassigned events, for the supervisor's view

Revision ID: 0002
"""
import sqlalchemy as sa
from aftercare_platform.db.types import UtcDateTime
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "console"


def upgrade() -> None:
    op.create_table(
        "reassignments",
        sa.Column("decision_key", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("engineer_id", sa.String(200), nullable=False),
        sa.Column("previous_engineer_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("sla_rule", sa.Boolean, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("reassignments_recent", "reassignments", ["occurred_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("reassignments_recent", "reassignments", schema=SCHEMA)
    op.drop_table("reassignments", schema=SCHEMA)
