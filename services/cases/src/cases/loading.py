"""Finding a case for an asker: a case it may not see is CaseNotFound, worded as for one never issued."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.repository import StoredCase, find_case
from cases.domain.actors import Actor
from cases.domain.references import CaseRef
from cases.domain.visibility import CaseNotFound, visible_to


async def load_visible(
    executor: AsyncConnection, actor: Actor, ref: CaseRef, *, for_update: bool = False
) -> StoredCase:
    stored = await find_case(executor, ref, for_update=for_update)
    if stored is None or not visible_to(stored.case, actor):
        raise CaseNotFound(ref.text)
    return stored
