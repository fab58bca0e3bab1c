"""survey's handlers on an embedded SQLite database (its own migrations) with a fake clock:
no network, no waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.service.assemble import migrate, open_database
from survey.bootstrap import definition

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def database(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    settings = definition.settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'aftercare.sqlite3'}", amqp_url="")
    await migrate(definition, settings)
    database = open_database(definition, settings, clock)
    try:
        yield database
    finally:
        await database.close()
