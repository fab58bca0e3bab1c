"""Submitted forms, by request id: the first claims the id, a repeat sees it taken."""

from __future__ import annotations

from datetime import datetime

from aftercare_platform.db.statements import insert_ignore, upsert
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.tables import saved_views, submissions


async def claim(connection: AsyncConnection, request_id: str, subject: str, action: str, case_ref: str,
                at: datetime) -> bool:
    result = await connection.execute(insert_ignore(connection, submissions, ["request_id"], {
        "request_id": request_id, "subject": subject, "action": action, "case_ref": case_ref, "outcome": "",
        "at": at}))
    return bool(getattr(result, "rowcount", 0))


async def outcome(connection: AsyncConnection, request_id: str) -> str | None:
    return (await connection.execute(select(submissions.c.outcome).where(
        submissions.c.request_id == request_id))).scalar_one_or_none()


async def record_outcome(connection: AsyncConnection, request_id: str, result: str) -> None:
    await connection.execute(update(submissions).where(submissions.c.request_id == request_id)
                          .values(outcome=result[:400]))


async def release(connection: AsyncConnection, request_id: str) -> None:
    await connection.execute(delete(submissions).where(submissions.c.request_id == request_id))


async def save_view(connection: AsyncConnection, subject: str, name: str, query: str) -> None:
    await connection.execute(upsert(connection, saved_views, ["subject", "name"],
                                 {"subject": subject, "name": name, "query": query}))


async def views_of(connection: AsyncConnection, subject: str) -> list[tuple[str, str]]:
    rows = await connection.execute(select(saved_views.c.name, saved_views.c.query)
                                 .where(saved_views.c.subject == subject).order_by(saved_views.c.name))
    return [(name, query) for name, query in rows.all()]
