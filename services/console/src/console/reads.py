"""The console's own reads: the queue in urgency order, within what the reader may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare_platform.auth.access import scope_of
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database

from console.adapters import presence_store, queue_store, reassignment_store, submissions
from console.domain.presence import Watch
from console.domain.queue import QueueFilter, QueueRow


class ConsoleReads:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def queue(self, principal: Principal, chosen: QueueFilter, limit: int = 50) -> list[QueueRow]:
        async with self.database.reading() as connection:
            return await queue_store.page(connection, scope_of(principal), chosen, principal.subject, limit)

    async def reassignments(self, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
        async with self.database.reading() as connection:
            return await reassignment_store.recent(connection, scope_of(principal), limit)

    async def load_by_assignee(self, principal: Principal) -> list[tuple[str, int]]:
        async with self.database.reading() as connection:
            return await queue_store.load_by_assignee(connection, scope_of(principal))

    async def open_created_times(self, principal: Principal) -> list[datetime]:
        async with self.database.reading() as connection:
            return await queue_store.open_created_times(connection, scope_of(principal))

    async def outcome(self, request_id: str, subject: str) -> str | None:
        async with self.database.reading() as connection:
            return await submissions.outcome(connection, f"{subject}:{request_id}")

    async def saved_views(self, subject: str) -> list[tuple[str, str]]:
        async with self.database.reading() as connection:
            return await submissions.views_of(connection, subject)

    async def watches(self, case_id: str) -> list[Watch]:
        async with self.database.reading() as connection:
            return await presence_store.of_case(connection, case_id)
