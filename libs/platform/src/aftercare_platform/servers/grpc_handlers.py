"""Wrapping a gRPC method handler's behaviour, whatever its arity, so interceptors stay small."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import grpc

# the gRPC services every server carries for infrastructure; they need no token
PUBLIC_SERVICE_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

Behavior = Callable[..., Any]


def is_public_method(method: str, extra_public: frozenset[str] = frozenset()) -> bool:
    return method in extra_public or method.startswith(PUBLIC_SERVICE_PREFIXES)


class PerMethodInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """An interceptor whose wrapping depends on the method alone (what varies per call is read from the call's
    context): a method's wrapped handler is made once and reused, not rebuilt — closures and a handler tuple — on
    every call. Only registered methods are kept (an unknown path has no handler), so the memo stays bounded."""

    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    async def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self.wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def wrap(self, method: str, handler: Any) -> Any:
        raise NotImplementedError


def wrap_handler(handler: Any, wrap_single: Callable[[Behavior], Behavior],
                 wrap_stream: Callable[[Behavior], Behavior]) -> Any:
    """A copy of `handler` whose behaviour went through `wrap_stream` if it yields responses, else `wrap_single`.

    `wrap_single` gets coroutine behaviours: unary responses, and streaming handlers written with
    `await context.write(...)` (like the health Watch); `wrap_stream` gets async generators.
    """
    if handler is None:
        return None
    if handler.request_streaming and handler.response_streaming:
        behavior, factory = handler.stream_stream, grpc.stream_stream_rpc_method_handler
    elif handler.request_streaming:
        behavior, factory = handler.stream_unary, grpc.stream_unary_rpc_method_handler
    elif handler.response_streaming:
        behavior, factory = handler.unary_stream, grpc.unary_stream_rpc_method_handler
    else:
        behavior, factory = handler.unary_unary, grpc.unary_unary_rpc_method_handler
    yields = handler.response_streaming and inspect.isasyncgenfunction(behavior)
    return factory(
        wrap_stream(behavior) if yields else wrap_single(behavior),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
