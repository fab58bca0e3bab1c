"""The one access check every entry point (gRPC and HTTP) uses: who may touch which company's data."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare_platform.auth.principal import STAFF_ROLES, Principal, Role
from aftercare_platform.errors import NotFound, PermissionDenied

# in a token's `companies` or `regions` claim: every company / every region
ANY = "*"


@dataclass(frozen=True)
class AccessScope:
    """What a principal may see; None means "any". Repositories turn it into query filters."""

    companies: frozenset[str] | None
    regions: frozenset[str] | None
    # a resource of no company yet (an unidentified caller's case) is for staff only
    unowned: bool = False

    def allows_company(self, company_id: str | None) -> bool:
        if not company_id:
            return self.unowned
        return self.companies is None or company_id in self.companies

    def allows_region(self, region: str | None) -> bool:
        # region None: the resource is not region-scoped (or not yet placed), so only companies count
        return region is None or self.regions is None or region in self.regions

    def allows(self, company_id: str | None, region: str | None) -> bool:
        return self.allows_company(company_id) and self.allows_region(region)

    @property
    def is_empty(self) -> bool:
        return self.companies == frozenset() or self.regions == frozenset()


def _named(values: frozenset[str]) -> frozenset[str] | None:
    """A claim limits only when it names something; ANY in it means no limit."""
    return None if not values or ANY in values else frozenset(values)


def scope_for(role: Role, company_id: str | None, companies: frozenset[str],
              regions: frozenset[str]) -> AccessScope:
    """The one rule of scope, for every service and every channel:
    - staff: every company, within the regions of their `regions` claim (none named: all regions);
    - a customer: its own company, every region (none: nothing);
    - a partner key: the union of its `company` and `companies` claims (none: nothing; ANY: all),
      within the regions of its `regions` claim (none named: all regions, like staff; ANY: all).
    """
    if role in STAFF_ROLES:
        return AccessScope(companies=None, regions=_named(regions), unowned=True)
    if role is Role.CUSTOMER:
        return AccessScope(companies=frozenset({company_id}) if company_id else frozenset(), regions=None)
    if role is Role.PARTNER:
        named = frozenset(companies | ({company_id} if company_id else set()))
        return AccessScope(companies=None if ANY in named else named, regions=_named(regions))
    return AccessScope(companies=frozenset(), regions=frozenset())


def scope_of(principal: Principal) -> AccessScope:
    return scope_for(principal.role, principal.company_id, principal.companies, principal.regions)


def can_access(principal: Principal, company_id: str | None, region: str | None) -> bool:
    return scope_of(principal).allows(company_id, region)


def ensure_access(
    principal: Principal,
    company_id: str | None,
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
