"""Queries that only read."""

from __future__ import annotations

from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import NotFound

from inspection.adapters import pings
from inspection.domain.pings import Ping


class InspectionReads:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def ping(self, ping_id: str) -> Ping:
        async with self.database.unit_of_work() as uow:
            found = await pings.load(uow.session, ping_id)
        if found is None:
            raise NotFound(f"ping {ping_id} not found")
        return found

    async def received(self) -> int:
        """How many `pinged` events the consumer recorded."""
        async with self.database.unit_of_work() as uow:
            return await pings.received_count(uow.session)
