"""the original vendor on a case: contact, the vendor's ticket, its promised response

Revision ID: 0002
"""

from alembic import op
from dispatch.adapters.tables import vendor_engagements

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    vendor_engagements.create(op.get_bind())


def downgrade() -> None:
    vendor_engagements.drop(op.get_bind())
