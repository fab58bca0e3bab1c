"""`python -m notify` SIGKILLed while sends are in flight, then started again: nothing lost, nothing twice
on the handset. Deliveries left `sending` are sent again after their lease under the same idempotency key,
which the provider honours; the test counts those repeats (the residual window a provider without keys,
SMTP, would turn into duplicates)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import httpx
from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.testing.ports import free_port

from .conftest import SUPERVISOR, Case, World, eventually

COUNT = 60


class NotifyProcess:
    def __init__(self, world: World) -> None:
        settings = world.settings()
        self.http_port = free_port()
        self.env = {
            **os.environ,
            **{f"AFTERCARE_{k.upper()}": str(v) for k, v in settings.model_dump(
                exclude={"staff", "sms_windows", "email_windows"}).items() if v is not None},
            "AFTERCARE_HTTP_PORT": str(self.http_port), "AFTERCARE_GRPC_PORT": str(free_port()),
            "AFTERCARE_STAFF": json.dumps([SUPERVISOR.model_dump()]),
            "AFTERCARE_SMS_TEMPLATE_CAP_PER_DAY": "1000", "AFTERCARE_SENDING_LEASE_SECONDS": "3",
            "AFTERCARE_SMS_SECONDARY": "", "AFTERCARE_DRAIN_SECONDS": "0",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notify", env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)

        async def ready() -> bool:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"notify exited with {self.process.returncode}")
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"http://127.0.0.1:{self.http_port}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, within=120, what="the notify process ready")

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


async def test_sigkill_mid_send_loses_nothing_and_sends_nothing_twice(world: World) -> None:
    world.providers.delay = 0.3  # sends are in flight when the kill comes
    cases = [Case(priority=cases_pb2.PRIORITY_P1) for _ in range(COUNT)]
    first, second = NotifyProcess(world), NotifyProcess(world)
    try:
        await first.start()
        for case in cases:
            await world.publish(case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR],
                                               [sla_pb2.NOTIFY_CHANNEL_SMS]))

        async def some_sent() -> bool:
            return len(world.providers.requests) >= 10

        await eventually(some_sent, within=120, what="the first SMS requests")
        await first.kill()
        await second.start()

        async def all_there() -> bool:
            return len(world.providers.to(SUPERVISOR.phone)) >= COUNT

        await eventually(all_there, within=180, what=f"{COUNT} SMS on the handset")
    finally:
        await first.kill()
        await second.kill()
    handset = world.providers.to(SUPERVISOR.phone)
    numbers = sorted(c.case_number for c in cases)
    received = sorted(next(n for n in numbers if n in t.text) for t in handset)
    assert received == numbers  # every case once: none lost, none twice
    repeats = len(world.providers.requests) - len(set(world.providers.requests))
    print(f"\nSIGKILL mid-send: {COUNT} messages, {repeats} repeated requests absorbed by the provider's key, "
          f"0 duplicates on the handset")
