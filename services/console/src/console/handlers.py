"""The console's own writes: the queue's read model from events, and the claim that makes a form act once."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.unit_of_work import Database, UnitOfWork

from console.adapters import queue_store, reassignment_store, submissions
from console.domain.queue import CaseFact, ClockFact, apply_case, apply_clock

# NOTIFY channel the queue pages listen on: sent on commit, never on rollback
QUEUE_CHANGED = "console_queue_changed"


class ConsoleHandlers:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def on_case_fact(self, fact: CaseFact, uow: UnitOfWork) -> None:
        row = apply_case(await queue_store.load(uow.session, fact.case_id), fact)
        await queue_store.save(uow.session, row)
        await uow.notify(QUEUE_CHANGED, fact.case_id)

    async def on_clock_fact(self, fact: ClockFact, uow: UnitOfWork) -> None:
        row = apply_clock(await queue_store.load(uow.session, fact.case_id), fact)
        await queue_store.save(uow.session, row)
        await uow.notify(QUEUE_CHANGED, fact.case_id)

    async def on_reassigned(self, row: dict[str, Any], uow: UnitOfWork) -> None:
        await reassignment_store.record(uow.session, row)

    async def claim(self, request_id: str, subject: str, action: str, case_ref: str) -> bool:
        """True for the first submit of a rendered form; False for a repeat (a double click, a retry)."""
        async with self.database.unit_of_work() as uow:
            return await submissions.claim(uow.session, f"{subject}:{request_id}", subject, action, case_ref,
                                           uow.clock.now())

    async def settle(self, request_id: str, subject: str, result: str) -> None:
        async with self.database.unit_of_work() as uow:
            await submissions.record_outcome(uow.session, f"{subject}:{request_id}", result)

    async def release(self, request_id: str, subject: str) -> None:
        """The action was refused or failed: the same form may be sent again once corrected."""
        async with self.database.unit_of_work() as uow:
            await submissions.release(uow.session, f"{subject}:{request_id}")

    async def save_view(self, subject: str, name: str, query: str) -> None:
        async with self.database.unit_of_work() as uow:
            await submissions.save_view(uow.session, subject, name, query)
