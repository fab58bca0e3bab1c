"""Claiming a consumer's window of events in the inbox in one statement (the dedupe of at-least-once)."""

from __future__ import annotations

from sqlalchemy import TextClause, bindparam, text

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.statements import insert_ignore, is_postgres
from aftercare_platform.db.types import UtcDateTime
from aftercare_platform.db.unit_of_work import Database, UnitOfWork


async def claim_inbox_rows(uow: UnitOfWork, database: Database, consumer: str,
                           events: list[CloudEvent]) -> set[str]:
    """Claim a window's events in one statement; returns the ids seen for the first time."""
    now = database.clock.now()
    rows = {event.id: event.type for event in events}
    if is_postgres(database.engine):
        # one fixed statement whatever the window's size: compiled and prepared once, not per window
        result = await uow.connection.execute(_claim_statement(database), {
            "consumer": consumer, "ids": list(rows), "types": list(rows.values()), "now": now})
        return {str(event_id) for event_id in result.scalars()}
    table = database.tables.inbox
    statement = (insert_ignore(database.engine, table, ["consumer", "event_id"])
                 .values([{"consumer": consumer, "event_id": event_id, "event_type": event_type, "handled_at": now}
                          for event_id, event_type in rows.items()])
                 .returning(table.c.event_id))
    return {str(event_id) for event_id in (await uow.connection.execute(statement)).scalars()}


_claim_statements: dict[str, TextClause] = {}


def _claim_statement(database: Database) -> TextClause:
    statement = _claim_statements.get(database.schema)
    if statement is None:
        statement = _claim_statements[database.schema] = text(
            f'INSERT INTO "{database.schema}".inbox (consumer, event_id, event_type, handled_at) '
            "SELECT :consumer, event_id, event_type, :now "
            "FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[])) AS claimed(event_id, event_type) "
            "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
        ).bindparams(bindparam("now", type_=UtcDateTime()))
    return statement
