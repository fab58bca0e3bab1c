"""the intake schema: registry, durable submissions, request keys, rejections, known cases, downtime, outbox, inbox

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from alembic import op
from intake.adapters.tables import SCHEMA, SERVICE_TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in SERVICE_TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(SERVICE_TABLES):
        table.drop(bind)
