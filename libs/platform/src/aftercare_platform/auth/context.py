"""The principal of the request being handled, readable anywhere below the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import Unauthenticated

_principal: ContextVar[Principal | None] = ContextVar("aftercare_principal", default=None)


def current_principal() -> Principal:
    principal = _principal.get()
    if principal is None:
        raise Unauthenticated("this call needs an authenticated principal")
    return principal


def principal_or_none() -> Principal | None:
    return _principal.get()


def set_principal(principal: Principal | None) -> None:
    """Set for the rest of the current task; each request runs in its own task, so nothing leaks."""
    _principal.set(principal)


@contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Run a block as `principal` (tests, and consumers acting for the system)."""
    token = _principal.set(principal)
    try:
        yield principal
    finally:
        _principal.reset(token)
