"""Who may use dispatch: staff read rosters and decisions; supervisors and admins change them.
Customers and partners see nothing here (their visits and loaners come with those parts)."""

from __future__ import annotations

from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.principal import STAFF_ROLES, Principal, Role
from aftercare_platform.errors import PermissionDenied

MANAGERS = (Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)


def require_staff(principal: Principal) -> None:
    require_role(principal, *sorted(STAFF_ROLES))


def require_manager(principal: Principal) -> None:
    require_role(principal, *MANAGERS)


def require_region(principal: Principal, region: str) -> None:
    """A staff token limited to some regions reads only those."""
    if region and principal.regions and region not in principal.regions:
        raise PermissionDenied(f"{principal.role.value} {principal.subject!r} may not read region {region!r}")
