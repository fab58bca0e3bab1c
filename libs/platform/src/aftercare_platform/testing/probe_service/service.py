from __future__ import annotations

import json
import uuid
from typing import Any

import grpc
from sqlalchemy import Column, MetaData, String, Table, insert

from aftercare_platform.auth.context import current_principal
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.types import UtcDateTime
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.outbox.tables import define_platform_tables
from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts
from aftercare_platform.settings import ServiceSettings

SCHEMA = "probe"
SERVICE = "aftercare.probe.v1.ProbeService"
metadata = MetaData(schema=SCHEMA)
define_platform_tables(metadata)
pings = Table("pings", metadata, Column("id", String(64), primary_key=True), Column("text", String(200)),
              Column("by", String(200)), Column("at", UtcDateTime, nullable=False))
received = Table("received", metadata, Column("event_id", String(64), primary_key=True),
                 Column("ping_id", String(64), nullable=False))


class ProbeSettings(ServiceSettings):
    service_name: str = "probe"
    http_port: int = 8099
    grpc_port: int = 50099


def _json(message: Any) -> bytes:
    return json.dumps(message).encode()


async def build(infra: Infrastructure[ProbeSettings]) -> ServiceParts:
    database = infra.database

    async def ping(request: dict[str, Any], context: Any) -> dict[str, Any]:
        text = request.get("text")
        if not isinstance(text, str) or not text:
            raise InvalidArgument.for_field("text", "must be a non-empty string")
        ping_id = str(uuid.uuid4())
        async with database.unit_of_work() as uow:
            await uow.session.execute(insert(pings).values(id=ping_id, text=text, by=current_principal().subject,
                                                           at=uow.clock.now()))
            uow.emit("aftercare.probe.pinged.v1", subject=ping_id, data={"text": text},
                     region=infra.settings.region)
        return {"id": ping_id}

    def register(server: Any) -> None:
        handler = grpc.unary_unary_rpc_method_handler(ping, request_deserializer=json.loads,
                                                      response_serializer=_json)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Ping": handler}),))

    async def on_pinged(event: CloudEvent, uow: UnitOfWork) -> None:
        await uow.session.execute(insert(received).values(event_id=event.id, ping_id=event.subject))

    return ServiceParts(
        grpc_servicers=[register],
        grpc_service_names=[SERVICE],
        subscriptions=[EventSubscription("probe.pings", ["probe.pinged.*"], on_pinged)],
    )


definition = ServiceDefinition(
    name="probe", package="aftercare_platform.testing.probe_service", settings_class=ProbeSettings,
    metadata=metadata, build=build,  # migrations: the folder beside this module
)
