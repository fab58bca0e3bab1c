"""The events inspection consumes: each parsed into a typed value and handed to a handler.

The platform's consumer runs each in one unit of work with the inbox: a redelivered event is
absorbed; raise `PermanentError` for a message that can never be handled (parked at once)."""

from __future__ import annotations

from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork

from inspection.handlers import InspectionHandlers


def subscriptions(handlers: InspectionHandlers) -> list[EventSubscription]:
    async def on_pinged(event: CloudEvent, uow: UnitOfWork) -> None:
        await handlers.on_pinged(event.id, event.data_as(pb.Pinged).ping_id, uow)

    return [EventSubscription("inspection.pings", ["inspection_ping.pinged.*"], on_pinged)]
