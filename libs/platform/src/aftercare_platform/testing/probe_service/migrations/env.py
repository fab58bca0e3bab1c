from aftercare_platform.db.migrations import run_env
from aftercare_platform.testing.probe_service.adapters.tables import metadata
from alembic import context

run_env(context, metadata)
