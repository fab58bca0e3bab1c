"""console's handlers on the platform's handler-test tier (aftercare_platform.testing.handlers: an
embedded SQLite database, its own migrations) with a fake clock: no network, no waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from console.bootstrap import definition

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[ServiceBench]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
        yield bench


@pytest.fixture
def clock(bench: ServiceBench) -> FakeClock:
    return bench.clock


@pytest.fixture
def database(bench: ServiceBench) -> Database:
    return bench.database
