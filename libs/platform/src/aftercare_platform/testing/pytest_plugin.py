"""Pytest fixtures shared by every test suite: `servers`, `database_url`, `amqp_url`, `clock`.

Integration fixtures fail (never skip) when the real servers are missing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest

from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.infra import (
    InfrastructureMissing,
    Servers,
    create_database,
    drop_database,
    start_servers,
)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with ExitStack() as stack:
        try:
            found = start_servers(stack)
        except InfrastructureMissing as missing:
            pytest.fail(str(missing), pytrace=False)
        yield found


@pytest.fixture
async def database_url(servers: Servers) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test (asyncpg SQLAlchemy URL)."""
    name, url = await create_database(servers.pg_admin_url)
    yield url
    await drop_database(servers.pg_admin_url, name)


@pytest.fixture
def amqp_url(servers: Servers) -> str:
    """The AMQP URL of this test session's own vhost."""
    return servers.amqp_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
