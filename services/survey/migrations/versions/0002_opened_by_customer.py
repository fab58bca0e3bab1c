"""invitations.opened_request_id: the request of a customer who opened its case's survey itself
("give feedback now"), so a repeat of that request gives the same link

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "survey"


def upgrade() -> None:
    op.add_column("invitations", sa.Column("opened_request_id", sa.String(128)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("invitations", "opened_request_id", schema=SCHEMA)
