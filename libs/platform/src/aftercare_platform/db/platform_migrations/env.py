from alembic import context

from aftercare_platform.db.migrations import run_env

run_env(context, None)
