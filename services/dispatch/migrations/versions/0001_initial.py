"""the dispatch schema: engineers, teams, rosters, the case view, decisions, visits, loaners, RMAs, outbox and inbox

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from alembic import op
from dispatch.adapters.tables import SCHEMA, case_view, decisions, engineers, loaners, rmas, rosters, teams, visits

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in (engineers, teams, rosters, case_view, decisions, visits, loaners, rmas):
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (rmas, loaners, visits, decisions, case_view, rosters, teams, engineers):
        table.drop(bind)
