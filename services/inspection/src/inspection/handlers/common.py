"""What every handler needs: who may write, and loading an aggregate the caller may see."""

from __future__ import annotations

from datetime import date

from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.errors import NotFound, PermissionDenied

from inspection.adapters import store
from inspection.domain.plans import Plan
from inspection.domain.visits import Visit

# who plans inspections and edits checklists
PLANNERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
# who carries inspections out and writes their reports
INSPECTORS = (Role.ENGINEER, Role.EXPERT, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)


def require(principal: Principal, roles: tuple[Role, ...], what: str) -> None:
    if principal.role not in roles:
        raise PermissionDenied(f"a {principal.role.value} may not {what}")


async def plan_for(uow: UnitOfWork, principal: Principal, plan_id: str) -> tuple[Plan, date | None]:
    found = await store.plan(uow.connection, plan_id)
    if found is None:
        raise NotFound(f"no plan {plan_id!r}", plan_id=plan_id)
    ensure_access(principal, found[0].company_id, found[0].region, resource="plan")
    return found


async def visit_for(uow: UnitOfWork, principal: Principal, visit_id: str, *, for_update: bool = False) -> Visit:
    """An inspection the caller may see; another company's looks absent."""
    found = await store.visit(uow.connection, visit_id, for_update=for_update)
    if found is None:
        raise NotFound(f"no inspection {visit_id!r}", inspection_id=visit_id)
    ensure_access(principal, found.company_id, found.region, resource="inspection")
    return found
