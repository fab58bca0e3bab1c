"""the outbox and the inbox, as every service's first revision created them before this history existed

Revision ID: p0001
"""

from aftercare_platform.db.platform_migrations.shapes import (
    INBOX,
    OUTBOX,
    inbox_columns_v1,
    outbox_columns_v1,
    outbox_indexes_v1,
    target_schema,
)
from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = target_schema()
    op.create_table(OUTBOX, *outbox_columns_v1(), schema=schema)
    for name, columns, options in outbox_indexes_v1():
        op.create_index(name, OUTBOX, columns, schema=schema, **options)
    op.create_table(INBOX, *inbox_columns_v1(), schema=schema)


def downgrade() -> None:
    schema = target_schema()
    op.drop_table(INBOX, schema=schema)
    op.drop_table(OUTBOX, schema=schema)
