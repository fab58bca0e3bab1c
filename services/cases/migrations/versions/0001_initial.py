"""the cases schema: cases, the append-only timeline, number sequences, request ids, outbox and inbox

Revision ID: 0001
"""

from aftercare_platform.db.migrations import create_platform_tables
from aftercare_platform.db.statements import is_postgres
from alembic import op
from cases.adapters.tables import SCHEMA, case_number_sequences, cases, create_requests, timeline
from sqlalchemy.engine import Connection

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (cases, timeline, case_number_sequences, create_requests)

# the database itself refuses to edit or remove a timeline entry, whoever connects
APPEND_ONLY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION "{SCHEMA}".timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the case timeline is append-only: % refused on %.%', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation',
          HINT = 'a correction is a new entry that refers to the old one';
END
$$
"""
POSTGRES_DDL = (
    APPEND_ONLY_FUNCTION,
    f"""CREATE TRIGGER timeline_no_update_or_delete BEFORE UPDATE OR DELETE ON "{SCHEMA}".timeline
        FOR EACH ROW EXECUTE FUNCTION "{SCHEMA}".timeline_append_only()""",
    f"""CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON "{SCHEMA}".timeline
        FOR EACH STATEMENT EXECUTE FUNCTION "{SCHEMA}".timeline_append_only()""",
    # whole-word search ('simple': no stemming, any language split on spaces and punctuation)
    f"""CREATE INDEX ix_cases_search_words ON "{SCHEMA}".cases USING gin (to_tsvector('simple', search_text))""",
    f"""CREATE INDEX ix_cases_internal_words ON "{SCHEMA}".cases USING gin (to_tsvector('simple', internal_text))""",
)
# substring search, which Chinese text (no spaces between words) needs: only where pg_trgm can be had
TRIGRAM_DDL = (
    f"""CREATE INDEX ix_cases_search_trigrams ON "{SCHEMA}".cases USING gin (search_text gin_trgm_ops)""",
    f"""CREATE INDEX ix_cases_internal_trigrams ON "{SCHEMA}".cases USING gin (internal_text gin_trgm_ops)""",
)
SQLITE_DDL = tuple(
    f"""CREATE TRIGGER "{SCHEMA}".timeline_no_{op_name.lower()} BEFORE {op_name} ON timeline
        BEGIN SELECT RAISE(ABORT, 'the case timeline is append-only: {op_name} refused'); END"""
    for op_name in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    bind = op.get_bind()
    create_platform_tables(bind, SCHEMA)
    for table in TABLES:
        table.create(bind)
    if is_postgres(bind):
        for statement in POSTGRES_DDL:
            op.execute(statement)
        if _trigrams_available(bind):
            for statement in TRIGRAM_DDL:
                op.execute(statement)
    else:
        for statement in SQLITE_DDL:
            op.execute(statement)


def _trigrams_available(bind: Connection) -> bool:
    """CREATE EXTENSION needs rights a service account may lack; without it search stays whole-word."""
    available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    if available is None:
        return False
    bind.exec_driver_sql("SAVEPOINT cases_pg_trgm")
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:
        bind.exec_driver_sql("ROLLBACK TO SAVEPOINT cases_pg_trgm")
        return False
    bind.exec_driver_sql("RELEASE SAVEPOINT cases_pg_trgm")
    return True


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
    if is_postgres(bind):
        op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".timeline_append_only()')
