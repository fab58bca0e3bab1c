"""The console's own writes: the queue's read model from events, and the claim that makes a form act once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

from aftercare_platform.db.unit_of_work import Database, UnitOfWork

from console.adapters import presence_store, queue_store, reassignment_store, submissions
from console.domain.presence import expired_before, watch
from console.domain.queue import QueueFact, apply_facts

# NOTIFY channel the queue pages listen on: sent on commit, never on rollback
QUEUE_CHANGED = "console_queue_changed"
# NOTIFY channel every replica's case pages listen on (payload: the case id): someone came or went
PRESENCE_CHANGED = "console_presence_changed"


class ConsoleHandlers:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def on_queue_facts(self, facts: Sequence[QueueFact], uow: UnitOfWork) -> None:
        """A window of case or clock facts: the rows they touch read and written once each, in three statements
        (lock, read, write) whatever the window's size."""
        if not facts:
            return
        stored = await queue_store.load_locked(uow.connection, {fact.case_id for fact in facts})
        changed = apply_facts(stored, facts)
        await queue_store.save(uow.connection, changed.values())
        for case_id in changed:
            await uow.notify(QUEUE_CHANGED, case_id)

    async def on_reassigned(self, row: dict[str, Any], uow: UnitOfWork) -> None:
        await reassignment_store.record(uow.connection, row)

    async def claim(self, request_id: str, subject: str, action: str, case_ref: str) -> bool:
        """True for the first submit of a rendered form; False for a repeat (a double click, a retry)."""
        async with self.database.unit_of_work() as uow:
            return await submissions.claim(uow.connection, f"{subject}:{request_id}", subject, action, case_ref,
                                           uow.clock.now())

    async def settle(self, request_id: str, subject: str, result: str) -> None:
        async with self.database.unit_of_work() as uow:
            await submissions.record_outcome(uow.connection, f"{subject}:{request_id}", result)

    async def release(self, request_id: str, subject: str) -> None:
        """The action was refused or failed: the same form may be sent again once corrected."""
        async with self.database.unit_of_work() as uow:
            await submissions.release(uow.connection, f"{subject}:{request_id}")

    async def save_view(self, subject: str, name: str, query: str) -> None:
        async with self.database.unit_of_work() as uow:
            await submissions.save_view(uow.connection, subject, name, query)

    async def join_case(self, watch_id: str, case_id: str, subject: str, name: str) -> None:
        async with self.database.unit_of_work() as uow:
            await presence_store.join(uow.connection, watch(watch_id, case_id, subject, name, uow.clock.now()))
            await uow.notify(PRESENCE_CHANGED, case_id)

    async def leave_case(self, watch_id: str, case_id: str) -> None:
        async with self.database.unit_of_work() as uow:
            await presence_store.leave(uow.connection, watch_id)
            await uow.notify(PRESENCE_CHANGED, case_id)

    async def renew_presence(self, watch_ids: Collection[str], ttl: timedelta) -> None:
        """This replica's watches are still open; the watches no replica renewed within `ttl` are gone."""
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            await presence_store.renew(uow.connection, watch_ids, now)
            for case_id in await presence_store.purge(uow.connection, expired_before(now, ttl)):
                await uow.notify(PRESENCE_CHANGED, case_id)
