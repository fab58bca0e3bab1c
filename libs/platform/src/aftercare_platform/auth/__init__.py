"""Authentication (bearer JWTs) and the one access check shared by gRPC and HTTP."""

from aftercare_platform.auth.access import AccessScope, can_access, ensure_access, require_role, scope_of
from aftercare_platform.auth.context import acting_as, current_principal, principal_or_none
from aftercare_platform.auth.principal import STAFF_ROLES, Principal, Role
from aftercare_platform.auth.tokens import Authenticator, bearer_token, mint_token

__all__ = [
    "STAFF_ROLES",
    "AccessScope",
    "Authenticator",
    "Principal",
    "Role",
    "acting_as",
    "bearer_token",
    "can_access",
    "current_principal",
    "ensure_access",
    "mint_token",
    "principal_or_none",
    "require_role",
    "scope_of",
]
