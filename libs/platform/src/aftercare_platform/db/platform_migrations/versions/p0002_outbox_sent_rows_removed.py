"""the outbox keeps unsent rows only: the relay deletes a row once the broker confirmed it, so the index on
sent_at (for pruning the sent rows kept a week) is dropped; sent_at stays, set only by relays of before this
revision during a rolling upgrade, and the relay's hourly prune deletes what they mark

Revision ID: p0002
"""

from aftercare_platform.db.platform_migrations.shapes import OUTBOX, target_schema
from alembic import op

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None

SENT_AT_INDEX = f"ix_{OUTBOX}_sent_at"


def upgrade() -> None:
    op.drop_index(SENT_AT_INDEX, table_name=OUTBOX, schema=target_schema())


def downgrade() -> None:
    op.create_index(SENT_AT_INDEX, OUTBOX, ["sent_at"], schema=target_schema())
