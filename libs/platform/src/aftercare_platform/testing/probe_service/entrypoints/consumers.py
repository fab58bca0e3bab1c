"""The probe's queue: every `pinged` event, read into (event id, ping id) for the handler."""

from __future__ import annotations

from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.testing.probe_service.handlers import ProbeHandlers


def subscriptions(handlers: ProbeHandlers) -> list[EventSubscription]:
    async def on_pinged(event: CloudEvent, uow: UnitOfWork) -> None:
        await handlers.on_pinged(event.id, event.subject, uow)

    return [EventSubscription("probe.pings", ["probe.pinged.*"], on_pinged)]
