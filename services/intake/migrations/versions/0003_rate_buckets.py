"""intake.rate_buckets: the web form's per-client limit, shared by every replica

Revision ID: 0003
"""

from alembic import op
from intake.adapters.tables import rate_buckets

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rate_buckets.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    rate_buckets.drop(op.get_bind())
