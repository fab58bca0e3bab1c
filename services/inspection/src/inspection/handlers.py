"""One method per command or event: load, decide, save, emit, in one unit of work."""

from __future__ import annotations

import uuid

from aftercare_platform.db.unit_of_work import Database, UnitOfWork

from inspection.adapters import pings
from inspection.adapters.events import PINGED, pinged
from inspection.domain.pings import Ping, new_ping


class InspectionHandlers:
    def __init__(self, database: Database, *, region: str) -> None:
        self.database, self.region = database, region

    async def ping(self, text: str, by: str) -> Ping:
        """Stores a ping and emits `pinged`: both commit together or not at all."""
        async with self.database.unit_of_work() as uow:
            ping = new_ping(str(uuid.uuid4()), text, by, uow.clock.now())
            await pings.save(uow.session, ping)
            uow.emit(PINGED, subject=ping.id, data=pinged(ping), region=self.region)
        return ping

    async def on_pinged(self, event_id: str, ping_id: str, uow: UnitOfWork) -> None:
        """A delivered `pinged` event: recorded in the consumer's unit of work (the inbox drops a repeat)."""
        await pings.record_received(uow.session, event_id, ping_id)
