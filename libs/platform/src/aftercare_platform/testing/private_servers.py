"""Disposable PostgreSQL and RabbitMQ servers of a test's own, for tests that restart the server.

The shared servers other test runs use are never restarted: a test that needs to see the database or
the broker go down and come back starts its own (a PostgreSQL cluster by initdb + pg_ctl, a RabbitMQ
node with its own node name, ports and data directory) on free ports in a temporary directory, restarts
that, and removes it afterwards. Both keep their data across a restart, as a real server does."""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import suppress
from pathlib import Path

from aftercare_platform.testing.infra import InfrastructureMissing
from aftercare_platform.testing.ports import free_port

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_until(check: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise InfrastructureMissing(f"{what} within {within:.0f} s")
        time.sleep(0.1)


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise InfrastructureMissing("a private PostgreSQL needs initdb and pg_ctl (the postgresql package)")
    return Path(pg_ctl).parent


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (trust authentication, user `postgres`, no fsync)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._bin = _pg_bin()
        self._dir = Path(tempfile.mkdtemp(prefix="aftercare-pg-"))
        self._data = self._dir / "data"
        # initdb refuses to run as root: the cluster belongs to the postgres account then
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            os.chown(self._dir, pwd.getpwnam(self._user).pw_uid, -1)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [*(["runuser", "-u", self._user, "--"] if self._user else []), *args]
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise InfrastructureMissing(f"{' '.join(args[:2])} failed: {done.stderr.decode()[-500:]}")

    def start(self) -> None:
        if not self._data.exists():
            self._run(str(self._bin / "initdb"), "-D", str(self._data), "-A", "trust", "-U", "postgres",
                      "--no-sync", "-E", "UTF8")
        options = (f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), "-l", str(self._dir / "log"), "-w",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (what a restart does to clients); `immediate` is a crash."""
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", mode, "-w", "stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        with suppress(InfrastructureMissing, subprocess.SubprocessError):
            self.stop("immediate")
        shutil.rmtree(self._dir, ignore_errors=True)

    async def arestart(self, down_seconds: float = 0.0) -> None:
        await asyncio.to_thread(self.restart, down_seconds)


class PrivateRabbitMQ:
    """A RabbitMQ node of this test's own: its node name, AMQP and distribution ports, data directory
    and Erlang cookie (guest/guest, no plugins)."""

    def __init__(self) -> None:
        if not os.path.exists(RABBITMQ_SERVER):
            raise InfrastructureMissing(f"a private RabbitMQ needs {RABBITMQ_SERVER} (the rabbitmq-server package)")
        self.port = free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="aftercare-rabbit-"))
        (self._dir / "enabled_plugins").write_text("[].\n")
        self._env = {
            **os.environ,
            "HOME": str(self._dir),  # its own Erlang cookie
            "RABBITMQ_NODENAME": f"aftercare-test-{uuid.uuid4().hex[:8]}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self._dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self._dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self._dir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self._dir / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self._dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self._dir / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self._dir / "pid"),
        }
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, within: float = 90) -> None:
        log = (self._dir / "server.out").open("ab")
        self._process = subprocess.Popen([RABBITMQ_SERVER], env=self._env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        _wait_until(lambda: _answers(self.port), within, "the private RabbitMQ node did not answer")

    def stop(self, within: float = 60) -> None:
        """A clean shutdown (SIGTERM: the node closes every connection and stops)."""
        process, self._process = self._process, None
        if process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        _wait_until(lambda: not _answers(self.port), 10, "the private RabbitMQ node did not stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        with suppress(InfrastructureMissing):
            self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    async def arestart(self, down_seconds: float = 0.0) -> None:
        await asyncio.to_thread(self.restart, down_seconds)
