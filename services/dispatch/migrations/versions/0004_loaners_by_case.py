"""loaners by case: an index on loaners.case_id (ListLoaners of a case read every loaner)

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    # if_not_exists: 0001 creates `loaners` from the live table, which now declares this index too
    op.create_index("ix_loaners_case", "loaners", ["case_id"], schema=SCHEMA, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_loaners_case", table_name="loaners", schema=SCHEMA, if_exists=True)
