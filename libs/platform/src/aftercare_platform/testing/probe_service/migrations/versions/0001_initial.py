"""the probe's tables, with its outbox and inbox

Revision ID: 0001
"""
from aftercare_platform.db.migrations import create_platform_tables
from aftercare_platform.testing.probe_service.service import SCHEMA, pings, received
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    pings.create(bind)
    received.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    received.drop(bind)
    pings.drop(bind)
