"""The handler-test tier of every service: its handlers on an embedded SQLite database (the service's
own migrations run), a FakeClock, the fakes the test gives for its gateways, and the events they wrote
to the outbox. No network, no waiting, no PostgreSQL.

    @pytest.fixture
    async def bench(tmp_path):
        async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
            yield bench

    handlers = CaseHandlers(bench.database, ...)
    ...
    assert [e.type for e in await bench.new_events()] == ["aftercare.case.created.v1"]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.inbox_claim import claim_inbox_rows
from aftercare_platform.bus.subscription import EventHandler, EventSubscription
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.service.assemble import migrate, open_database
from aftercare_platform.service.definition import ServiceDefinition
from aftercare_platform.settings import ServiceSettings


@dataclass
class ServiceBench:
    """One service's database on SQLite, its clock, and what its handlers emitted."""

    definition: ServiceDefinition
    settings: ServiceSettings
    database: Database
    clock: FakeClock
    _seen: int = field(default=0, init=False)

    async def events(self) -> list[CloudEvent]:
        """Every event in the outbox, in the order the relay would publish them."""
        outbox = self.database.tables.outbox
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(select(outbox.c.id, outbox.c.envelope).order_by(outbox.c.id))).all()
        return [CloudEvent.from_dict(_document(row.envelope)) for row in rows]

    async def new_events(self) -> list[CloudEvent]:
        """The events emitted since the last call (or since the start)."""
        found = await self.events()
        fresh, self._seen = found[self._seen:], len(found)
        return fresh

    def event(self, event_type: str, *, subject: str, data: dict[str, Any], region: str = "east",
              source: str = "/services/test", time: datetime | None = None) -> CloudEvent:
        """An incoming event as another service would publish it, at the clock's now."""
        return CloudEvent(type=event_type, source=source, subject=subject, region=region, data=data,
                          time=time or self.clock.now())

    async def deliver(self, handler: EventHandler | EventSubscription, event: CloudEvent,
                      consumer: str | None = None) -> bool:
        """Hand `event` to a consumer's handler as the platform's consumer does (one unit of work, the
        inbox claimed first); False when the inbox had already seen it (nothing ran)."""
        if isinstance(handler, EventSubscription):
            consumer, handler = consumer or handler.queue, handler.handle_one
        async with self.database.unit_of_work() as uow:
            if not await uow.claim_inbox(consumer or f"{self.definition.name}.test", event):
                return False
            await handler(event, uow)
        return True

    async def deliver_window(self, subscription: EventSubscription, events: Sequence[CloudEvent]) -> int:
        """Hand `events` to a window handler as one window, as the platform's consumer does (one unit of work,
        the inbox claimed first; what it had seen is left out); returns how many were handed over."""
        assert subscription.window_handler is not None, f"{subscription.queue} has no window handler"
        async with self.database.unit_of_work() as uow:
            claimed = await claim_inbox_rows(uow, self.database, subscription.queue, list(events))
            fresh = []
            for event in events:  # the same event twice in one window: handed over once, as the consumer does
                if event.id in claimed:
                    claimed.discard(event.id)
                    fresh.append(event)
            if fresh:
                await subscription.window_handler(fresh, uow)
        return len(fresh)


def _document(envelope: Any) -> dict[str, Any]:
    return orjson.loads(envelope) if isinstance(envelope, str | bytes) else dict(envelope)


@asynccontextmanager
async def sqlite_service(definition: ServiceDefinition, directory: Path, *, clock: FakeClock | None = None,
                         **settings: Any) -> AsyncIterator[ServiceBench]:
    """`definition`'s schema migrated on a SQLite file in `directory` (e.g. pytest's tmp_path), its
    Database on `clock`; `settings` override the service's settings (the in-process bus is chosen)."""
    chosen = definition.settings(**{"database_url": f"sqlite+aiosqlite:///{directory / 'aftercare.sqlite3'}",
                                    "amqp_url": "", **settings})
    await migrate(definition, chosen)
    clock = clock or FakeClock()
    database = open_database(definition, chosen, clock)
    try:
        yield ServiceBench(definition, chosen, database, clock)
    finally:
        await database.close()
