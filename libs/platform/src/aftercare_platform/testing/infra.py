"""Finds the real servers integration tests run on: testcontainers when a container engine
answers, otherwise the local servers named by the environment. Missing both is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


class InfrastructureMissing(RuntimeError):
    """Raised (and turned into a test failure, never a skip) when a real server cannot be had."""


@dataclass
class Servers:
    pg_admin_url: str  # plain postgresql:// URL with rights to CREATE DATABASE
    amqp_url: str  # amqp:// URL of the vhost this test session owns
    origin: str  # "testcontainers" or "local"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _container_engine_answers() -> bool:
    if not shutil.which("docker") and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _with_vhost(amqp_url: str, vhost: str) -> str:
    parts = urlsplit(amqp_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + vhost, parts.query, parts.fragment))


def own_vhost(amqp_url: str) -> tuple[str, str | None]:
    """A fresh vhost isolates this session's exchanges and queues from any other run on the broker."""
    host = urlsplit(amqp_url).hostname or "127.0.0.1"
    ctl = shutil.which("rabbitmqctl") or ("/usr/sbin/rabbitmqctl" if os.path.exists("/usr/sbin/rabbitmqctl") else None)
    if host not in ("127.0.0.1", "localhost") or ctl is None:
        return amqp_url, None
    vhost = f"aftercare-test-{uuid.uuid4().hex[:10]}"
    user = urlsplit(amqp_url).username or "guest"
    try:
        subprocess.run([ctl, "-q", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
        subprocess.run([ctl, "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return amqp_url, None
    return _with_vhost(amqp_url, vhost), vhost


def drop_vhost(vhost: str) -> None:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([ctl, "-q", "delete_vhost", vhost], capture_output=True, timeout=60, check=False)


def start_servers(stack: ExitStack) -> Servers:
    """Give this test session a PostgreSQL and a RabbitMQ; cleanup goes on `stack`."""
    if os.environ.get("AFTERCARE_TEST_USE_CONTAINERS", "auto") != "never" and _container_engine_answers():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        pg = stack.enter_context(PostgresContainer("postgres:16-alpine", driver=None))
        rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-alpine"))
        amqp = f"amqp://guest:guest@{rabbit.get_container_host_ip()}:{rabbit.get_exposed_port(5672)}/"
        return Servers(pg.get_connection_url(), amqp, "testcontainers")

    pg_url = os.environ.get("AFTERCARE_TEST_PG_URL", DEFAULT_PG)
    amqp_url = os.environ.get("AFTERCARE_TEST_AMQP_URL", DEFAULT_AMQP)
    pg_parts, amqp_parts = urlsplit(pg_url), urlsplit(amqp_url)
    missing = []
    if not _answers(pg_parts.hostname or "127.0.0.1", pg_parts.port or 5432):
        missing.append(f"PostgreSQL at {pg_parts.hostname}:{pg_parts.port or 5432}")
    if not _answers(amqp_parts.hostname or "127.0.0.1", amqp_parts.port or 5672):
        missing.append(f"RabbitMQ at {amqp_parts.hostname}:{amqp_parts.port or 5672}")
    if missing:
        raise InfrastructureMissing(
            "integration tests need real servers and no container engine answers; not reachable: "
            + ", ".join(missing)
            + " (start them, e.g. `bash .ci/ensure-servers`, or set AFTERCARE_TEST_PG_URL / AFTERCARE_TEST_AMQP_URL)"
        )
    session_amqp, vhost = own_vhost(amqp_url)
    if vhost:
        stack.callback(drop_vhost, vhost)
    return Servers(pg_url, session_amqp, "local")


def asyncpg_url(pg_url: str, database: str | None = None) -> str:
    """The SQLAlchemy asyncpg form of a postgresql:// URL, optionally on another database."""
    parts = urlsplit(pg_url)
    path = "/" + database if database else parts.path
    return urlunsplit(("postgresql+asyncpg", parts.netloc, path, parts.query, parts.fragment))


async def create_database(pg_admin_url: str, prefix: str = "aftercare_t") -> tuple[str, str]:
    """Create an empty database; returns (its name, its asyncpg SQLAlchemy URL)."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, asyncpg_url(pg_admin_url, name)


async def drop_database(pg_admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
