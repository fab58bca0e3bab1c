"""cases.command_requests: a command sent with a request id (AddNote) is applied once

Revision ID: 0002
"""

from alembic import op
from cases.adapters.tables import command_requests

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    command_requests.create(op.get_bind())


def downgrade() -> None:
    command_requests.drop(op.get_bind())
