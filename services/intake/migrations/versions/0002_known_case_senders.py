"""intake.known_cases learns who may add to a case: the reporting address and partner

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from intake.adapters.tables import SCHEMA

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("caller_email", 254), ("caller_phone", 32), ("reported_by", 200))


def _existing() -> set[str]:
    # 0001 creates the tables from today's metadata, so a fresh database has the columns already
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns("known_cases", schema=SCHEMA)}


def upgrade() -> None:
    existing = _existing()
    for name, length in COLUMNS:
        if name not in existing:
            op.add_column("known_cases", sa.Column(name, sa.String(length)), schema=SCHEMA)


def downgrade() -> None:
    for name, _ in COLUMNS:
        op.drop_column("known_cases", name, schema=SCHEMA)
