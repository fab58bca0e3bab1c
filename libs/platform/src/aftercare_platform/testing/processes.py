"""The pieces of a running stack for end-to-end tests: a service as a real process (`python -m <pkg>`),
and a tap on the broker. Used by the repository's end-to-end tests and by services whose integration
tests run their neighbours as processes (dispatch, survey)."""

from __future__ import annotations

import asyncio
import builtins
import json
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from aftercare_platform.bus.ports import Broker, Delivery, Subscription
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually

M = TypeVar("M", bound=Message)


# ---- processes ------------------------------------------------------------------------------------


async def terminate(process: asyncio.subprocess.Process, within: float = 30) -> int:
    """SIGTERM, as Kubernetes stops a pod, then SIGKILL after `within` s; the exit status (-9 when killed)."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), within)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


class ServiceProcess:
    """One service as `python -m <module>`, configured by AFTERCARE_* variables only; its output goes to a
    log file (never a pipe nobody reads), whose tail is shown when it fails."""

    def __init__(self, module: str, settings: dict[str, str], log_dir: Path, *, args: tuple[str, ...] = ()) -> None:
        self.module = module
        self.args = args  # ("relay",): the service's outbox relay alone
        self.http_port, self.grpc_port = free_port(), free_port()
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith("AFTERCARE_") and k != "PYTHONDONTWRITEBYTECODE"}
        # compiled once, kept outside the source tree: a start (and a restart) imports in 2 s instead of 7
        environment["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "aftercare-e2e-pycache")
        settings = {**settings, "http_port": str(self.http_port), "grpc_port": str(self.grpc_port)}
        self.env = {**environment, **{f"AFTERCARE_{k.upper()}": v for k, v in settings.items()}}
        self.log = log_dir / f"{'-'.join((module, *args))}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.exit_codes: list[int] = []

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    async def start(self, within: float = 90) -> None:
        assert self.process is None, f"{self.module} is already running"
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", self.module, *self.args, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log)
        process = self.process
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.http_port}", timeout=2) as http:

            async def ready() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"{self.module} exited with {process.returncode} before it was ready:\n"
                                         f"{self.tail()}")
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, within=within, what=f"{self.module} ready (/readyz 200)")

    async def stop(self, within: float = 30) -> int:
        """SIGTERM, as Kubernetes stops a pod; the exit status (killed after `within` s: -9)."""
        process, self.process = self.process, None
        assert process is not None, f"{self.module} is not running"
        self.exit_codes.append(await terminate(process, within))
        return self.exit_codes[-1]


# ---- the broker -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One event as our queue got it, and when (wall clock)."""

    routing_key: str
    id: str
    type: str
    subject: str
    data: dict[str, Any]
    arrived_at: datetime

    @property
    def verb(self) -> str:
        """`aftercare.sla.warning.v1` -> `warning`."""
        return self.type.split(".")[2]

    def parsed(self, message: builtins.type[M]) -> M:
        return json_format.ParseDict(self.data, message(), ignore_unknown_fields=True)


class EventTap:
    """A queue of our own on the events exchange, bound to everything the three services announce about
    cases, clocks and contracts; it keeps every event in arrival order."""

    BINDINGS = ("case.#", "sla.#", "contract.#")

    def __init__(self, broker: Broker, queue: str) -> None:
        self.broker, self.queue = broker, queue
        self.seen: list[Seen] = []
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        await self.broker.declare_work_queue(self.queue, list(self.BINDINGS), 5)
        self._subscription = await self.broker.consume(self.queue, 200, self._on_delivery)

    async def _on_delivery(self, delivery: Delivery) -> None:
        arrived = datetime.now(UTC)
        envelope = json.loads(delivery.body)
        self.seen.append(Seen(delivery.routing_key, str(envelope.get("id", "")), str(envelope.get("type", "")),
                              str(envelope.get("subject", "")), envelope.get("data") or {}, arrived))
        await delivery.ack()

    def of(self, subject: str, prefix: str = "aftercare.") -> list[Seen]:
        """The events about `subject` (a case id, a contract id) whose type starts with `prefix`."""
        return [e for e in self.seen if e.subject == subject and e.type.startswith(prefix)]

    def ids(self, subject: str, prefix: str = "aftercare.") -> set[str]:
        """The distinct ids among `of`: a relay killed between publishing and marking sent publishes the same
        event again, which consumers drop by id, so an exactly-once check counts ids, not deliveries."""
        return {e.id for e in self.of(subject, prefix)}

    async def wait_for(self, subject: str, prefix: str, count: int, within: float = 30) -> list[Seen]:
        async def enough() -> bool:
            return len(self.of(subject, prefix)) >= count

        await eventually(enough, within=within, what=f"{count} {prefix}* events about {subject}")
        return self.of(subject, prefix)

    async def emitted(self, subject: str, event_type: str, within: float = 30, settle: float = 0.5) -> int:
        """How many events of `event_type` about `subject` were emitted, once the first came and a moment more
        passed for any other: distinct ids, so a relay's second publish of one event counts once (the outbox
        keeps unsent rows only: this is where what a service emitted is counted)."""
        await self.wait_for(subject, event_type, 1, within=within)
        await asyncio.sleep(settle)
        return len(self.ids(subject, event_type))

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.cancel()
        connection = getattr(self.broker, "connection", None)
        if connection is not None:  # the queues are ours: leave nothing behind on a shared vhost
            channel = await connection.channel()
            for queue in (self.queue, f"{self.queue}.dlq"):
                await channel.queue_delete(queue)
            await channel.close()
        await self.broker.close()


# ---- the stack ------------------------------------------------------------------------------------
