"""intake.known_cases learns who may add to a case: the reporting address and partner

Revision ID: 0002
"""

import sqlalchemy as sa
from aftercare_platform.db.migrations import add_missing_columns
from alembic import op
from intake.adapters.tables import SCHEMA

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("caller_email", 254), ("caller_phone", 32), ("reported_by", 200))


def upgrade() -> None:
    add_missing_columns("known_cases", SCHEMA, [sa.Column(name, sa.String(length)) for name, length in COLUMNS])


def downgrade() -> None:
    for name, _ in COLUMNS:
        op.drop_column("known_cases", name, schema=SCHEMA)
