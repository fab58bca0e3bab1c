"""Pytest fixtures shared by every test suite: `servers`, `database_url`, `amqp_url`, `clock`, `embedded`.

Integration fixtures fail (never skip) when the real servers are missing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.infra import (
    InfrastructureMissing,
    Servers,
    create_database,
    drop_database,
    start_servers,
)

if TYPE_CHECKING:
    from aftercare_platform.service.definition import ServiceDefinition
    from aftercare_platform.testing.in_process import Embedded


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


EmbeddedStarter = Callable[..., AbstractAsyncContextManager["Embedded"]]


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EmbeddedStarter:
    """`async with embedded(definition, watch_poll_seconds=0.2) as running:` the service in embedded mode
    (SQLite in tmp_path, the in-process bus) on free ports; keyword arguments become `AFTERCARE_*` settings."""
    from aftercare_platform.testing.in_process import embedded_in_process
    from aftercare_platform.testing.ports import free_port

    def start(*definitions: ServiceDefinition, **settings: Any) -> AbstractAsyncContextManager[Embedded]:
        for name, value in {"http_port": free_port(), "grpc_port": free_port(), **settings}.items():
            monkeypatch.setenv(f"AFTERCARE_{name.upper()}", str(value))
        return embedded_in_process(definitions, tmp_path)

    return start
