"""RequestVisit's idempotency keys (one visit per key)

Revision ID: 0003
"""

from alembic import op
from dispatch.adapters.tables import visit_requests

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    visit_requests.create(op.get_bind())


def downgrade() -> None:
    visit_requests.drop(op.get_bind())
