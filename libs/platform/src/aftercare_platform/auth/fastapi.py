"""The HTTP side of authentication: a FastAPI dependency using the app's Authenticator."""

from __future__ import annotations

from fastapi import Request

from aftercare_platform.auth.context import set_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.auth.tokens import Authenticator

AUTHENTICATOR_STATE = "authenticator"
# where the request guard leaves the principal it authenticated before the body was read
PRINCIPAL_SCOPE_KEY = "aftercare_principal"


async def require_principal(request: Request) -> Principal:
    """`principal: Principal = Depends(require_principal)`; async so the contextvar reaches the endpoint."""
    principal = request.scope.get("state", {}).get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):
        authenticator: Authenticator = getattr(request.app.state, AUTHENTICATOR_STATE)
        principal = await authenticator.authenticate_header(request.headers.get("authorization"))
    set_principal(principal)
    return principal
