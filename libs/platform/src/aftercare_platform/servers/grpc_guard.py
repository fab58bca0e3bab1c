"""Bad bytes never reach a handler: a request that does not parse, or whose strings carry NUL
characters, is INVALID_ARGUMENT naming the field, for every method of every service.

A message that does not parse is not an exception inside gRPC (that was UNKNOWN with the Python
class in it, and an ERROR line per call): the deserializer hands on a `Malformed` marker, and the
guard (innermost, so the caller's token is checked first) refuses it."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.servers.grpc_handlers import Behavior, PerMethodInterceptor, wrap_handler
from aftercare_platform.servers.request_guard import check_message


@dataclass(frozen=True)
class Malformed:
    reason: str


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as error:  # DecodeError, and invalid UTF-8 in a string field
            return Malformed(type(error).__name__)

    return parse


def _checked(request: Any) -> Any:
    if isinstance(request, Malformed):
        raise InvalidArgument.for_field("request", "is not a valid protobuf message of this method's request type")
    if isinstance(request, Message):
        check_message(request)
    return request


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        yield _checked(request)


def _guard_single(behavior: Behavior) -> Behavior:
    async def single(request: Any, context: Any) -> Any:
        return await behavior(_checked(request), context)

    return single


def _guard_stream(behavior: Behavior) -> Behavior:
    async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
        async for response in behavior(_checked(request), context):
            yield response

    return stream


def _guard_requests(behavior: Behavior) -> Behavior:
    """Client streaming: each message is checked as it arrives."""
    if inspect.isasyncgenfunction(behavior):
        async def stream(requests: Any, context: Any) -> AsyncIterator[Any]:
            async for response in behavior(_checked_stream(requests), context):
                yield response

        return stream

    async def single(requests: Any, context: Any) -> Any:
        return await behavior(_checked_stream(requests), context)

    return single


class RequestGuardInterceptor(PerMethodInterceptor):
    def wrap(self, method: str, handler: Any) -> Any:
        if handler.request_streaming:
            guarded = wrap_handler(handler, _guard_requests, _guard_requests)
        else:
            guarded = wrap_handler(handler, _guard_single, _guard_stream)
        return guarded._replace(request_deserializer=_tolerant(handler.request_deserializer))
