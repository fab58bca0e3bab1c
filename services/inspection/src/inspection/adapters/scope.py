"""Which companies a listing may show the caller: one rule for the plain and the paged listings."""

from __future__ import annotations

from aftercare_platform.auth.access import scope_of
from aftercare_platform.auth.principal import Principal


def listed_companies(principal: Principal, company_id: str) -> list[str] | None:
    """The companies a listing may show: None means any (staff)."""
    scope = scope_of(principal)
    if company_id:
        return [company_id] if scope.allows_company(company_id) else []
    return None if scope.companies is None else sorted(scope.companies)
