"""The one access check every entry point (gRPC and HTTP) uses: who may touch which company's data."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class AccessScope:
    """What a principal may see; None means "any". Repositories turn it into query filters."""

    companies: frozenset[str] | None
    regions: frozenset[str] | None

    def allows(self, company_id: str, region: str | None) -> bool:
        if self.companies is not None and company_id not in self.companies:
            return False
        # region None: the resource is not region-scoped (or not yet placed), so only companies count
        return region is None or self.regions is None or region in self.regions

    @property
    def is_empty(self) -> bool:
        return self.companies == frozenset() or self.regions == frozenset()


def scope_of(principal: Principal) -> AccessScope:
    if principal.is_staff:
        return AccessScope(companies=None, regions=principal.regions or None)
    if principal.role is Role.CUSTOMER:
        own = frozenset({principal.company_id}) if principal.company_id else frozenset()
        return AccessScope(companies=own, regions=None)
    if principal.role is Role.PARTNER:
        # a partner key reaches only what it names (its `company` and its `companies`, as cases and
        # intake read them): no company or no regions means nothing
        named = principal.companies | ({principal.company_id} if principal.company_id else set())
        return AccessScope(companies=frozenset(named), regions=principal.regions)
    return AccessScope(companies=frozenset(), regions=frozenset())


def can_access(principal: Principal, company_id: str, region: str | None) -> bool:
    return scope_of(principal).allows(company_id, region)


def ensure_access(
    principal: Principal,
    company_id: str,
    region: str | None,
    *,
    resource: str = "resource",
    conceal: bool = True,
) -> None:
    """Raise unless allowed; by default as NotFound so another company's resources look absent."""
    if can_access(principal, company_id, region):
        return
    if conceal:
        raise NotFound(f"{resource} not found")
    raise PermissionDenied(f"{principal.role.value} {principal.subject!r} may not access this {resource}")


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise PermissionDenied(f"this needs one of the roles: {allowed}")
