"""the sla_timer schema: policies, calendars, cases, contract policies, clocks, firings, compliance facts

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from aftercare_platform.db.statements import is_postgres
from alembic import op
from sla_timer.adapters.tables import (
    SCHEMA,
    calendars,
    cases,
    clocks,
    compliance_facts,
    contract_policies,
    fired,
    policies,
    policy_set,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (calendars, policies, policy_set, cases, contract_policies, clocks, fired, compliance_facts)

# clocks are rewritten at every firing and event: leave room on each page and vacuum them often
POSTGRES_DDL = (
    f'ALTER TABLE "{SCHEMA}".clocks SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, '
    "autovacuum_analyze_scale_factor = 0.02)",
)


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in TABLES:
        table.create(bind)
    if is_postgres(bind):
        for statement in POSTGRES_DDL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
