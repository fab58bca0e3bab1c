"""A fuzz run over every method of a gRPC service, built from its descriptors: malformed bytes, an
empty request, and requests whose every field holds an edge value (NUL, huge, blank, emoji text;
int64 and int32 limits; unknown enum numbers; long repeated fields). What a service may answer is
anything but INTERNAL or UNKNOWN: bad input is INVALID_ARGUMENT (or NOT_FOUND, PERMISSION_DENIED…),
never a crash."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

EDGE_TEXT = ("\x00", "a\x00b", " ", "x" * 5000, "💥🔥", "'; DROP TABLE cases; --", "../../etc/passwd",
             "00000000-0000-0000-0000-000000000000", "EA-20261399-000001", "2026-13", "-1")
EDGE_INT64 = (2**63 - 1, -(2**63), 0, -1)
EDGE_INT32 = (2**31 - 1, -(2**31), 0, -1)
BAD_STATUSES = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN})
_INT64_TYPES = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64}
_UINT_TYPES = {FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_UINT32,
               FieldDescriptor.TYPE_FIXED32}


@dataclass(frozen=True)
class Finding:
    method: str
    case: str
    status: grpc.StatusCode
    details: str


def _scalar(field: Any, choice: int) -> Any:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return EDGE_TEXT[choice % len(EDGE_TEXT)]
    if kind == FieldDescriptor.TYPE_BYTES:
        return (b"\x00\xff" * 64)[: (choice * 7) % 128]
    if kind == FieldDescriptor.TYPE_BOOL:
        return choice % 2 == 0
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return (float("inf"), float("-inf"), 1e308, -0.0)[choice % 4] if kind == FieldDescriptor.TYPE_DOUBLE \
            else (3.0e38, -3.0e38, 0.0)[choice % 3]
    if kind == FieldDescriptor.TYPE_ENUM:
        return (9999, -1, 0, 1)[choice % 4]
    if kind in _INT64_TYPES:
        return EDGE_INT64[choice % len(EDGE_INT64)]
    if kind in _UINT_TYPES:
        return (2**32 - 1 if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32) else 2**64 - 1, 0,
                1)[choice % 3]
    return EDGE_INT32[choice % len(EDGE_INT32)]


def fill(message: Message, choice: int, depth: int = 0) -> Message:
    """Every field of `message` set to an edge value picked by `choice` (nested messages too, to a depth)."""
    fields: list[Any] = list(message.DESCRIPTOR.fields)  # descriptors are loosely typed by protobuf's stubs
    for field in fields:
        if field.containing_oneof is not None and message.WhichOneof(field.containing_oneof.name):
            continue  # one member of a oneof
        repeated = field.is_repeated
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                target = getattr(message, field.name)
                key_field, value_field = field.message_type.fields_by_name["key"], field.message_type.fields_by_name[
                    "value"]
                key = _scalar(key_field, choice)
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    if depth < 3:
                        fill(target[key], choice + 1, depth + 1)
                else:
                    target[key] = _scalar(value_field, choice + 1)
                continue
            if depth >= 3 or (field.message_type.full_name.startswith("google.protobuf.") and \
                    field.message_type.name in ("Struct", "Value", "ListValue")):
                continue
            if repeated:
                for offset in range(3):
                    fill(getattr(message, field.name).add(), choice + offset, depth + 1)
            else:
                fill(getattr(message, field.name), choice, depth + 1)
            continue
        try:
            if repeated:
                getattr(message, field.name).extend([_scalar(field, choice + n) for n in range(60)])
            else:
                setattr(message, field.name, _scalar(field, choice))
        except (ValueError, TypeError):
            continue  # a value protobuf itself refuses (timestamps' ranges are checked on use)
    return message


def cases_for(method: MethodDescriptor, rounds: int, seed: int) -> Iterator[tuple[str, bytes]]:
    request_class = GetMessageClass(method.input_type)
    yield "malformed bytes", b"\x0a\xff\xff\xff\xff\x0f"
    yield "truncated varint", b"\x08"
    yield "empty", request_class().SerializeToString()
    generator = random.Random(seed)
    for round_number in range(rounds):
        choice = generator.randrange(1_000)
        yield f"edge values #{round_number} (choice {choice})", fill(request_class(), choice).SerializeToString()


async def fuzz_service(channel: grpc.aio.Channel, service: ServiceDescriptor, metadata: Sequence[tuple[str, str]],
                       *, rounds: int = 6, seed: int = 7, call_seconds: float = 10.0,
                       skip: frozenset[str] = frozenset()) -> tuple[int, list[Finding]]:
    """(calls made, the calls answered INTERNAL or UNKNOWN)."""
    findings: list[Finding] = []
    calls = 0
    for method in service.methods:
        if method.name in skip:
            continue
        path = f"/{service.full_name}/{method.name}"
        for case, payload in cases_for(method, rounds, seed):
            calls += 1
            status, details = await _call(channel, path, method, payload, metadata, call_seconds)
            if status in BAD_STATUSES:
                findings.append(Finding(path, case, status, details))
    return calls, findings


async def _call(channel: grpc.aio.Channel, path: str, method: MethodDescriptor, payload: bytes,
                metadata: Sequence[tuple[str, str]], call_seconds: float) -> tuple[grpc.StatusCode, str]:
    def same(raw: bytes) -> bytes:
        return raw

    try:
        if method.server_streaming:
            stream = channel.unary_stream(path, request_serializer=same, response_deserializer=same)
            async for _ in stream(payload, metadata=tuple(metadata), timeout=min(call_seconds, 2.0)):
                break
        else:
            unary = channel.unary_unary(path, request_serializer=same, response_deserializer=same)
            await unary(payload, metadata=tuple(metadata), timeout=call_seconds)
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""
