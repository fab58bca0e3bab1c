"""the notify schema: deliveries, notices, resolved cases, receipts, templates, overrides, staff, outbox and inbox

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from alembic import op
from notify.adapters.tables import SCHEMA, TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
