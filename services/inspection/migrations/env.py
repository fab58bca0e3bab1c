from aftercare_platform.db.migrations import run_env
from alembic import context
from inspection.adapters.tables import metadata

run_env(context, metadata)
