"""cases.cases: the supervisor's list filters (a complaint awaiting review, a breached SLA clock), and
fault reports in the search text

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "cases"


def upgrade() -> None:
    # 0001 creates the table from today's metadata: a fresh database already has the columns
    existing = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("cases", schema=SCHEMA)}
    for column in ("supervisor_review", "sla_breached"):
        if column in existing:
            continue
        op.add_column("cases", sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()),
                      schema=SCHEMA)
        op.create_index(f"ix_cases_{column}", "cases", [column], schema=SCHEMA)
    if op.get_bind().dialect.name == "postgresql":
        # the cases already under review keep their flag in the document
        op.execute(f"""UPDATE "{SCHEMA}".cases SET supervisor_review = true
                       WHERE (document -> 'flags' ->> 'supervisor_review') = 'true'""")
        # fault reports written before they were searchable join the search text (the knowledge base)
        op.execute(f"""UPDATE "{SCHEMA}".cases SET search_text = concat_ws(' ', search_text,
                           document -> 'fault_report' ->> 'cause', document -> 'fault_report' ->> 'method',
                           document -> 'fault_report' ->> 'result', document -> 'fault_report' ->> 'prevention')
                       WHERE jsonb_typeof(document -> 'fault_report') = 'object'""")


def downgrade() -> None:
    for column in ("supervisor_review", "sla_breached"):
        op.drop_index(f"ix_cases_{column}", "cases", schema=SCHEMA)
        op.drop_column("cases", column, schema=SCHEMA)
