"""notify run in-process on this test's PostgreSQL database and the session's RabbitMQ vhost, with a real
SMTP server (aiosmtpd), a real HTTP server speaking like the SMS gateways, and a real gRPC server standing
in for intake's registry. Case and SLA events go in the way their producers send them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import grpc
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.intake.v1 import intake_pb2, intake_pb2_grpc
from aftercare.notify.v1 import notify_pb2, notify_pb2_grpc
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually
from google.protobuf.timestamp_pb2 import Timestamp
from notify.bootstrap import definition
from notify.settings import NotifySettings, StaffSeed
from notify.testing.local_servers import HttpProviders, SmtpServer, http_providers

__all__ = ["eventually"]

SUPERVISOR = StaffSeed(staff_id="sup-east", name="Zhao Supervisor", phone="+8613900000001",
                       email="sup-east@aftercare.example", language="zh-CN", supervisor_of_regions=["east"])
ENGINEER = StaffSeed(staff_id="eng-1", name="Wang Engineer", phone="+8613900000002",
                     email="eng-1@aftercare.example", language="en")


def stamp(at: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(at)
    return value


@dataclass
class Case:
    company_id: str = "company-a"
    region: str = "east"
    priority: int = cases_pb2.PRIORITY_P3
    assignee_id: str = "eng-1"
    case_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    case_number: str = field(default_factory=lambda: f"EA-20261121-{uuid.uuid4().int % 1_000_000:06d}")

    def _snapshot(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case_number": self.case_number, "region": self.region,
                "company_id": self.company_id, "priority": self.priority, "occurred_at": stamp(datetime.now(UTC))}

    def case_event(self, verb: str, **facts: Any) -> CloudEvent:
        cls = getattr(case_events, "Case" + "".join(p.capitalize() for p in verb.split("_")))
        message = cls(**self._snapshot(), assignee_id=self.assignee_id, **facts)
        return CloudEvent(type=f"aftercare.case.{verb}.v1", source="/services/cases", subject=self.case_id,
                          region=self.region, data=payload_to_dict(message))

    def sla_event(self, verb: str, roles: list[int], channels: list[int], **facts: Any) -> CloudEvent:
        cls = getattr(sla_events, "Sla" + "".join(p.capitalize() for p in verb.split("_")))
        action = sla_pb2.Action(kind=sla_pb2.ACTION_KIND_NOTIFY, roles=roles, channels=channels)
        message = cls(**self._snapshot(), clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, actions=[action],
                      deadline=stamp(datetime.now(UTC)), **facts)
        return CloudEvent(type=f"aftercare.sla.{verb}.v1", source="/services/sla-timer", subject=self.case_id,
                          region=self.region, data=payload_to_dict(message))


class Registry(intake_pb2_grpc.IntakeServiceServicer):
    """intake's contact registry, as far as notify asks it."""

    def __init__(self) -> None:
        self.contacts: list[intake_pb2.Contact] = []

    async def ListContacts(self, request: Any, context: Any) -> intake_pb2.ListContactsResponse:
        chosen = [c for c in self.contacts if not request.company_id or c.company_id == request.company_id]
        return intake_pb2.ListContactsResponse(contacts=chosen)


@dataclass
class World:
    """Everything a test talks to: the bus, the local servers, and a way to start notify on them."""

    database_url: str
    amqp_url: str
    broker: AmqpBroker
    smtp: SmtpServer
    providers: HttpProviders
    providers_base: str
    registry: Registry
    intake_target: str

    async def publish(self, event: CloudEvent) -> None:
        await self.broker.publish(OutgoingMessage(body=event.to_json(), message_id=event.id,
                                                  routing_key=event.routing_key))

    def settings(self, **overrides: Any) -> NotifySettings:
        fields: dict[str, Any] = {
            "database_url": self.database_url, "amqp_url": self.amqp_url, "http_port": free_port(),
            "grpc_port": free_port(), "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "log_json": False,
            "shutdown_grace_seconds": 2, "smtp_port": self.smtp.port, "smtp_security": "none",
            "sms_primary": "aliyun", "sms_secondary": "twilio",
            "aliyun_url": f"{self.providers_base}/aliyun", "aliyun_access_key_id": "key-id",
            "aliyun_access_key_secret": self.providers.secret, "aliyun_receipt_token": "receipt-token",
            "twilio_url": f"{self.providers_base}/twilio", "twilio_account_sid": self.providers.account[0],
            "twilio_auth_token": self.providers.account[1], "twilio_from": "+10000000000",
            "twilio_status_callback": "https://notify.example/v1/notify/receipts/twilio",
            "intake_grpc_target": self.intake_target, "staff": [SUPERVISOR, ENGINEER],
            # the staff table stands in for dispatch (test_dispatch_on_duty.py asks a real dispatch)
            "dispatch_grpc_target": "",
            "sender_poll_seconds": 0.2, "retry_base_seconds": 0.5, "retry_max_seconds": 2, "attempt_retries": 1,
            "sending_lease_seconds": 30,
        }
        fields.update(overrides)
        return NotifySettings(**fields)

    @asynccontextmanager
    async def notify(self, **overrides: Any) -> AsyncIterator[Notify]:
        settings = self.settings(**overrides)
        async with service_in_process(definition, settings) as http, \
                grpc.aio.insecure_channel(f"127.0.0.1:{settings.grpc_port}") as channel:
            yield Notify(settings, notify_pb2_grpc.NotifyServiceStub(channel), http)


async def sql(notify: Notify, query: str, *args: Any) -> Any:
    """One value from notify's database (what the API does not show), on one connection per test database."""
    url = notify.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    if url not in _CONNECTIONS or _CONNECTIONS[url].is_closed():
        _CONNECTIONS[url] = await asyncpg.connect(url)
    return await _CONNECTIONS[url].fetchval(query, *args)


_CONNECTIONS: dict[str, Any] = {}


async def barrier(world: World, notify: Notify) -> None:
    """Everything published before has been handled: a marker event published after it has been."""
    marker = Case(region="west")
    event = marker.case_event("acknowledged")
    await world.publish(event)

    async def handled() -> bool:
        return bool(await sql(notify, "SELECT count(*) FROM notify.notices WHERE event_id = $1", event.id))

    await eventually(handled, within=60, what="the marker event handled")
    await settled(notify)


async def settled(notify: Notify) -> None:
    """Nothing due is left to send (pending and due, or sending)."""

    async def idle() -> bool:
        return not await sql(notify, "SELECT count(*) FROM notify.deliveries WHERE state = 'sending' "
                                     "OR (state = 'pending' AND not_before <= now())")

    await eventually(idle, within=60, what="every due delivery sent or failed")


@dataclass
class Notify:
    settings: NotifySettings
    stub: Any
    http: Any

    def auth(self, subject: str = "admin-1", role: str = "admin", company: str | None = None) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {mint_token(self.settings, subject, role, company=company)}")]

    async def deliveries(self, case_id: str = "", recipient_id: str = "", **who: Any) -> list[Any]:
        found, token = [], ""
        while True:
            response = await self.stub.ListDeliveries(notify_pb2.ListDeliveriesRequest(
                case_id=case_id, recipient_id=recipient_id, page={"page_size": 200, "page_token": token}),
                metadata=self.auth(**who))
            found += list(response.deliveries)
            token = response.page.next_page_token
            if not token:
                return found


@pytest.fixture
async def world(database_url: str, amqp_url: str) -> AsyncIterator[World]:
    smtp = SmtpServer(free_port())
    smtp.start()
    registry = Registry()
    server = grpc.aio.server()
    intake_pb2_grpc.add_IntakeServiceServicer_to_server(registry, server)
    intake_port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    broker = AmqpBroker(amqp_url, connection_name="notify-test")
    await broker.connect()
    port = free_port()
    try:
        async with http_providers(port) as providers:
            yield World(database_url, amqp_url, broker, smtp, providers, f"http://127.0.0.1:{port}", registry,
                        f"127.0.0.1:{intake_port}")
    finally:
        for connection in _CONNECTIONS.values():
            await connection.close()
        _CONNECTIONS.clear()
        await broker.close()
        await server.stop(None)
        smtp.stop()


NotifyFactory = Callable[..., AbstractAsyncContextManager[Notify]]
