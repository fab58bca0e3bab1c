"""the dispatch schema: engineers, teams, rosters, the case view, decisions, visits, loaners, RMAs,
stock, outbox and inbox

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from alembic import op
from dispatch.adapters.tables import (
    SCHEMA,
    case_view,
    decisions,
    engineers,
    loaners,
    rmas,
    rosters,
    stock_levels,
    stock_moves,
    teams,
    visits,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in (engineers, teams, rosters, case_view, decisions, visits, loaners, rmas, stock_levels,
                  stock_moves):
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (stock_moves, stock_levels, rmas, loaners, visits, decisions, case_view, rosters, teams, engineers):
        table.drop(bind)
