"""The cases service run in-process on this test's PostgreSQL database and the session's RabbitMQ vhost,
reached through its real gRPC and HTTP ports."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually
from cases.bootstrap import definition
from cases.settings import CasesSettings


@dataclass
class Cases:
    """The running service: its settings, a gRPC stub and an HTTP client, and tokens for anyone."""

    settings: CasesSettings
    grpc_target: str
    http_base: str
    stub: Any  # CaseServiceAsyncStub
    http: httpx.AsyncClient

    def token(self, subject: str, role: str, company: str | None = None, **claims: Any) -> str:
        return mint_token(self.settings, subject, role, company=company, **claims)

    def auth(self, subject: str, role: str, company: str | None = None, **claims: Any) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token(subject, role, company, **claims)}")]

    def headers(self, subject: str, role: str, company: str | None = None, **claims: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(subject, role, company, **claims)}"}


AGENT = ("agent-1", "agent")
ENGINEER = ("eng-1", "engineer")


def create_request(request_id: str, company: str = "company-a", **overrides: Any) -> pb.CreateCaseRequest:
    fields: dict[str, Any] = {
        "request_id": request_id,
        "region": "east",
        "company_id": company,
        "contract_id": "contract-7",
        "caller": pb.Caller(name="Li Lei", phone="+86 138 0000 0000", email="li@example.com"),
        "asset": pb.Asset(serial_number="SN-1", manufacturer="Hikvision", model="DS-2CD", site="Gate 3"),
        "description": "Camera 12 shows no picture since 08:00",
        "error_codes": ["E-1001"],
        "category": pb.CATEGORY_A,
        "kind": pb.CASE_KIND_DEFECT,
        "priority": pb.PRIORITY_P3,
        "channel": pb.CHANNEL_HOTLINE,
    }
    fields.update(overrides)
    return pb.CreateCaseRequest(**fields)


@pytest.fixture
async def cases(database_url: str, amqp_url: str) -> AsyncIterator[Cases]:
    http_port, grpc_port = free_port(), free_port()
    settings = CasesSettings(
        database_url=database_url, amqp_url=amqp_url, http_port=http_port, grpc_port=grpc_port,
        http_host="127.0.0.1", grpc_host="127.0.0.1", watch_poll_seconds=0.5, shutdown_grace_seconds=2,
        log_json=False,
    )
    base = f"http://127.0.0.1:{http_port}"
    async with service_in_process(definition, settings) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        yield Cases(settings, f"127.0.0.1:{grpc_port}", base, cases_pb2_grpc.CaseServiceStub(channel), http)


class EventTap:
    """A queue of our own bound to `case.#` on the events exchange: what the outbox relay published."""

    def __init__(self, broker: Any, queue: str) -> None:
        self._broker, self.queue = broker, queue
        self.received: list[tuple[str, dict[str, Any]]] = []

    async def collect(self, count: int, subject: str | None = None, seconds: float = 30) -> list[dict[str, Any]]:
        """Wait until `count` events (of `subject`, when given) arrived; return them in arrival order."""

        def matching() -> list[dict[str, Any]]:
            return [e for _, e in self.received if subject is None or e["subject"] == subject]

        async def enough() -> bool:
            while (delivery := await self._broker.get(self.queue)) is not None:
                self.received.append((delivery.routing_key, json.loads(delivery.body)))
                await delivery.ack()
            return len(matching()) >= count

        await eventually(enough, within=seconds, what=f"{count} events on {self.queue}")
        return matching()

    async def emitted(self, event_type: str, count: int, settle: float = 0.5) -> int:
        """How many events of `event_type` were emitted, once `count` came and a moment more passed for any other:
        distinct ids, so a relay's second publish of one counts once (the outbox keeps unsent rows only)."""

        def ids() -> set[str]:
            return {e["id"] for _, e in self.received if e["type"] == event_type}

        async def enough() -> bool:
            await self.collect(0)
            return len(ids()) >= count

        await eventually(enough, within=30, what=f"{count} {event_type} events on {self.queue}")
        await asyncio.sleep(settle)
        await self.collect(0)
        return len(ids())

    def routing_keys(self, subject: str) -> list[str]:
        return [key for key, e in self.received if e["subject"] == subject]


@pytest.fixture
async def events(amqp_url: str) -> AsyncIterator[EventTap]:
    broker = AmqpBroker(amqp_url, connection_name="cases-test-tap")
    await broker.connect()
    queue = f"casestest.events-{uuid.uuid4().hex[:8]}"
    await broker.declare_work_queue(queue, ["case.#"], delivery_limit=5)
    try:
        yield EventTap(broker, queue)
    finally:
        await broker.close()
