"""One method per command or event: load, decide, save, emit, in one unit of work."""

from __future__ import annotations

import uuid

from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.testing.probe_service.adapters import pings
from aftercare_platform.testing.probe_service.domain.pings import Ping, new_ping

PINGED = "aftercare.probe.pinged.v1"


class ProbeHandlers:
    def __init__(self, database: Database, *, region: str) -> None:
        self.database, self.region = database, region

    async def ping(self, text: object, by: str) -> Ping:
        """Stores a ping and emits `pinged`: both commit together or not at all."""
        async with self.database.unit_of_work() as uow:
            ping = new_ping(str(uuid.uuid4()), text, by, uow.clock.now())
            await pings.save(uow.connection, ping)
            uow.emit(PINGED, subject=ping.id, data={"text": ping.text}, region=self.region)
        return ping

    async def on_pinged(self, event_id: str, ping_id: str, uow: UnitOfWork) -> None:
        """A delivered `pinged` event, recorded in the consumer's unit of work (the inbox drops a repeat)."""
        await pings.record_received(uow.connection, event_id, ping_id)
