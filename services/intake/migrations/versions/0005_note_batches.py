"""intake.submissions.note_batch: repeated alarms travel to their case together (domain.note_batches); the index
of cases being opened per device becomes partial (a storm's many pending repeats no longer write to it)

Revision ID: 0005
"""

import sqlalchemy as sa
from aftercare_platform.db.migrations import add_missing_columns
from alembic import op
from intake.adapters.tables import SCHEMA

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPENING = "state = 'pending' AND outcome = 'new_case'"


def _indexes() -> set[str]:
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("submissions", schema=SCHEMA)}


def upgrade() -> None:
    # 0001 creates the tables from today's metadata: a fresh database has all of this already
    if add_missing_columns("submissions", SCHEMA, [sa.Column("note_batch", sa.String(36))]):
        op.create_index("ix_submissions_note_batch", "submissions", ["note_batch"], schema=SCHEMA)
    present = _indexes()
    if "ix_submissions_asset_pending" in present:
        op.drop_index("ix_submissions_asset_pending", "submissions", schema=SCHEMA)
    if "ix_submissions_opening" not in present:
        op.create_index("ix_submissions_opening", "submissions", ["asset_key"], schema=SCHEMA,
                        postgresql_where=sa.text(OPENING), sqlite_where=sa.text(OPENING))


def downgrade() -> None:
    op.drop_index("ix_submissions_opening", "submissions", schema=SCHEMA)
    op.create_index("ix_submissions_asset_pending", "submissions", ["asset_key", "state"], schema=SCHEMA)
    op.drop_index("ix_submissions_note_batch", "submissions", schema=SCHEMA)
    op.drop_column("submissions", "note_batch", schema=SCHEMA)
