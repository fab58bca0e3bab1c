"""The caller's token (a platform Principal) as the domain's Actor."""

from __future__ import annotations

from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import InvalidArgument, PermissionDenied

from cases.domain.actors import Actor, Role


def actor_of(principal: Principal) -> Actor:
    try:
        return Actor(
            subject=principal.subject,
            role=Role(principal.role.value),
            company_id=principal.company_id,
            companies=principal.companies,
            regions=principal.regions,
            name=principal.name or None,
        )
    except InvalidArgument as unusable:
        # the token is valid but cannot act here (a customer token without its company)
        raise PermissionDenied(f"this token cannot act on cases: {unusable.detail}") from None
