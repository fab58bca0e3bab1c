"""intake.contacts.language: the language a contact is told in (notify reads it through the registry)

Revision ID: 0004
"""

import sqlalchemy as sa
from aftercare_platform.db.migrations import add_missing_columns
from alembic import op
from intake.adapters.tables import SCHEMA

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_missing_columns("contacts", SCHEMA, [sa.Column("language", sa.String(8))])


def downgrade() -> None:
    op.drop_column("contacts", "language", schema=SCHEMA)
