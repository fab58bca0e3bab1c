"""A case's visits and loaners, a page at a time (keyset on id, so a page never repeats or skips a row)."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.unit_of_work import UnitOfWork
from sqlalchemy import select

from dispatch.adapters.tables import loaners, visits

Rows = list[tuple[dict[str, Any], dict[str, Any]]]


async def of_case(uow: UnitOfWork, table: Any, case_id: str, after: str, limit: int) -> Rows:
    """Up to `limit` (document, case snapshot) of the case with an id after `after`, in id order."""
    query = select(table.c.id, table.c.document, table.c.case_snapshot).where(table.c.case_id == case_id)
    if after:
        query = query.where(table.c.id > after)
    rows = (await uow.connection.execute(query.order_by(table.c.id).limit(limit))).all()
    return [(dict(row.document), dict(row.case_snapshot)) for row in rows]


async def visits_of(uow: UnitOfWork, case_id: str, after: str, limit: int) -> Rows:
    return await of_case(uow, visits, case_id, after, limit)


async def loaners_of(uow: UnitOfWork, case_id: str, after: str, limit: int) -> Rows:
    return await of_case(uow, loaners, case_id, after, limit)
