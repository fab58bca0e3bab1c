"""A case's visits and loaners as the caller may see them: staff per their scope, a customer only its
own company's case (another company's case looks absent: NOT_FOUND), a page at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PageTokens, page_size

from dispatch.adapters import case_work
from dispatch.adapters.case_snapshot import within_reach
from dispatch.adapters.loaner_mapping import loaner_from_document
from dispatch.adapters.visit_mapping import visit_from_document
from dispatch.domain.loaners import Loaner
from dispatch.domain.visits import Visit

Fetch = Callable[[UnitOfWork, str, str, int], Awaitable[case_work.Rows]]


class CaseWorkHandlers:
    def __init__(self, database: Database, tokens: PageTokens) -> None:
        self._db = database
        self._tokens = tokens

    async def visits(self, principal: Principal, case_id: str, size: int, token: str) -> tuple[list[Visit], str]:
        docs, more = await self._page(principal, case_id, size, token, "visits", case_work.visits_of)
        found = [visit_from_document(doc) for doc in docs]
        return found, self._next("visits", case_id, found[-1].id) if more else ""

    async def loaners(self, principal: Principal, case_id: str, size: int, token: str) -> tuple[list[Loaner], str]:
        docs, more = await self._page(principal, case_id, size, token, "loaners", case_work.loaners_of)
        found = [loaner_from_document(doc) for doc in docs]
        return found, self._next("loaners", case_id, found[-1].id) if more else ""

    def _next(self, kind: str, case_id: str, last_id: str) -> str:
        return self._tokens.issue({"kind": kind, "case": case_id, "after": last_id})

    async def _page(self, principal: Principal, case_id: str, size: int, token: str, kind: str,
                    fetch: Fetch) -> tuple[list[dict[str, Any]], bool]:
        limit = page_size(size)
        after = ""
        if token:
            body = self._tokens.read(token)
            # a token is bound to the list and the case it was issued for
            if body.get("kind") != kind or body.get("case") != case_id:
                raise InvalidArgument.for_field("page.page_token", f"was not issued for this case's {kind}")
            after = str(body.get("after", ""))
        async with self._db.unit_of_work() as uow:
            rows = await fetch(uow, case_id, after, limit + 1)
        # every row carries its case's snapshot: one out of reach means the whole case is (it looks absent)
        for row in rows:
            within_reach(row, principal, "case", case_id)
        return [doc for doc, _ in rows[:limit]], len(rows) > limit
