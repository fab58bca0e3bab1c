import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from aftercare_platform.testing.waiting import eventually  # noqa: F401  (re-exported for the tests here)

PROCS = Path(__file__).parent / "procs"


class Proc:
    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process, self.name = process, name

    async def wait_ready(self, within: float = 60) -> None:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), within)
        if b"ready" not in line:
            err = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"{self.name} did not start: {line!r} {err.decode()[-3000:]}")

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


@pytest.fixture
async def spawn():
    started: list[Proc] = []

    async def _spawn(script: str, *args: str) -> Proc:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(PROCS / script), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ},
        )
        proc = Proc(process, script)
        started.append(proc)
        return proc

    yield _spawn
    for proc in started:
        await proc.kill()


class Topic:
    """A fresh event aggregate per test: its events, bindings and queues touch nothing else on the broker."""

    def __init__(self) -> None:
        import uuid

        self.aggregate = "bt" + uuid.uuid4().hex[:10]
        self.event = f"aftercare.{self.aggregate}.happened.v1"
        self.binding = f"{self.aggregate}.#"

    def queue(self, purpose: str) -> str:
        return f"{self.aggregate}.{purpose}"


async def open_bus(database_url: str, amqp_url: str, topic: Topic, schema: str, queue: str,
                   partitions: int = 16) -> tuple[Any, Any, str]:
    """A database with its outbox, a broker, and a work queue bound to the test's topic."""
    from aftercare_platform.testing.harness import open_broker, open_database

    db, _ = await open_database(database_url, schema, partitions=partitions)
    broker = await open_broker(amqp_url)
    name = topic.queue(queue)
    await broker.declare_work_queue(name, [topic.binding], 5)
    return db, broker, name


@pytest.fixture
def topic() -> Topic:
    return Topic()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's own PostgreSQL database, then an embedded SQLite file: a test taking it runs on both."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("database_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'aftercare.sqlite3'}"
