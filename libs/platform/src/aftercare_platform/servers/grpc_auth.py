"""Every non-public RPC needs a verified bearer token; its Principal is then `current_principal()`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from aftercare_platform.auth.context import set_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.auth.tokens import Authenticator
from aftercare_platform.servers.grpc_handlers import Behavior, PerMethodInterceptor, is_public_method, wrap_handler


class AuthInterceptor(PerMethodInterceptor):
    """Authenticates inside the handler's own task, so the principal contextvar reaches the handler.

    A refused token raises Unauthenticated, which the (outer) error-mapping interceptor turns into
    UNAUTHENTICATED with the reason. The token is read from each call's own metadata (the wrapping is per method).
    """

    def __init__(self, authenticator: Authenticator, public_methods: Iterable[str] = ()) -> None:
        super().__init__()
        self._authenticator = authenticator
        self._public = frozenset(public_methods)

    def wrap(self, method: str, handler: Any) -> Any:
        if is_public_method(method, self._public):
            return handler

        async def authenticate(context: Any) -> Principal:
            authorization = _metadata_value(context.invocation_metadata(), "authorization")
            principal = await self._authenticator.authenticate_header(authorization)
            set_principal(principal)
            return principal

        def wrap_single(behavior: Behavior) -> Behavior:
            async def single(request: Any, context: Any) -> Any:
                await authenticate(context)
                return await behavior(request, context)

            return single

        def wrap_stream(behavior: Behavior) -> Behavior:
            async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
                await authenticate(context)
                async for response in behavior(request, context):
                    yield response

            return stream

        return wrap_handler(handler, wrap_single, wrap_stream)


def _metadata_value(metadata: Iterable[Any] | None, key: str) -> str | None:
    for item in metadata or ():
        name, value = item[0], item[1]
        if name.lower() == key:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None
