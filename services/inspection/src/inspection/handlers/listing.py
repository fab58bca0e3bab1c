"""ListPlans and ListInspections a page at a time (the kit's page sizes and signed page tokens), each
within what the caller may see; a token holds to the filters it was issued for."""

from __future__ import annotations

from aftercare_platform.auth.access import scope_of
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PageTokens, page_size

from inspection.adapters import store
from inspection.adapters.scope import listed_companies as _companies
from inspection.domain.plans import Plan
from inspection.domain.visits import Visit


class Listings:
    def __init__(self, database: Database, tokens: PageTokens) -> None:
        self._db = database
        self._tokens = tokens

    async def plans(self, principal: Principal, *, company_id: str = "", size: int = 0,
                    token: str = "") -> tuple[list[Plan], str]:
        bound = {"list": "plans", "company_id": company_id}
        after = self._after(token, bound)
        limit = page_size(size)
        async with self._db.unit_of_work() as uow:
            found = await store.plans(uow.connection, _companies(principal, company_id),
                                      after=str(after[0]) if after else None, limit=limit)
        following = self._next(bound, [found[-1].id]) if len(found) == limit else ""
        return [p for p in found if scope_of(principal).allows(p.company_id, p.region)], following

    async def visits(self, principal: Principal, *, company_id: str = "", plan_id: str = "", status: str = "",
                     size: int = 0, token: str = "") -> tuple[list[Visit], str]:
        bound = {"list": "inspections", "company_id": company_id, "plan_id": plan_id, "status": status}
        after = self._after(token, bound)
        limit = page_size(size)
        async with self._db.unit_of_work() as uow:
            found = await store.visits(uow.connection, companies=_companies(principal, company_id), plan_id=plan_id,
                                       status=status, limit=limit,
                                       after=(str(after[0]), str(after[1])) if after else None)
        last = found[-1] if found else None
        following = self._next(bound, [last.scheduled_on.isoformat(), last.id]) if last and len(found) == limit else ""
        return [v for v in found if scope_of(principal).allows(v.company_id, v.region)], following

    def _next(self, bound: dict[str, str], key: list[str]) -> str:
        return self._tokens.issue({**bound, "after": key})

    def _after(self, token: str, bound: dict[str, str]) -> list[object] | None:
        if not token:
            return None
        body = self._tokens.read(token)
        after = body.pop("after", None)
        if body != bound or not isinstance(after, list):
            raise InvalidArgument.for_field("page.page_token", "was issued for other filters; start again")
        return after
