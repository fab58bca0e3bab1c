"""A proto message as REST JSON: the proto3 JSON mapping with the proto's field names and every enum
in its short form (`P1`, `FIRST_RESPONSE`, `running`), so REST speaks one vocabulary with the
services whose REST models are written by hand. Bodies read back accept the short forms (and, on
input only, the long proto names and numbers); a value the enum does not know is InvalidArgument
naming the field (`policy.targets[0].priority`)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from aftercare_platform.contracts.enum_map import EnumMap
from aftercare_platform.errors import InvalidArgument


def to_rest(message: Message) -> dict[str, Any]:
    """The message in the proto JSON mapping (proto field names), enums as short forms."""
    body = json_format.MessageToDict(message, preserving_proto_field_name=True)
    _walk(message.DESCRIPTOR, body, _to_short, "")
    return body


def from_rest(body: dict[str, Any], message: Message, field: str) -> Any:
    """Fill `message` from a REST body; InvalidArgument naming the field when it does not parse."""
    copy = _deep_copy(body)
    _walk(message.DESCRIPTOR, copy, _to_long, field)
    try:
        json_format.ParseDict(copy, message)
    except json_format.ParseError as bad:
        raise InvalidArgument.for_field(field, str(bad)) from None
    return message


def _to_short(field: FieldDescriptor, value: Any, path: str) -> Any:
    words = EnumMap.words(field.enum_type)
    if isinstance(value, str) and value in words.descriptor.values_by_name:
        return words.short(words.descriptor.values_by_name[value].number, path)
    return value


def _to_long(field: FieldDescriptor, value: Any, path: str) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return EnumMap.words(field.enum_type).proto_name(value, path)


def _walk(descriptor: Any, body: Any, convert: Any, path: str) -> None:
    """Apply `convert` to every enum value of `body` (a JSON object of `descriptor`), in place."""
    if not isinstance(body, dict):
        return
    for field in descriptor.fields:
        key = field.name if field.name in body else field.json_name
        if key not in body:
            continue
        here = f"{path}.{field.name}" if path else field.name
        value = body[key]
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            _walk_map(field.message_type, value, convert, here)
        elif field.enum_type is not None and field.enum_type.full_name != "google.protobuf.NullValue":
            if field.is_repeated and isinstance(value, list):
                body[key] = [convert(field, v, f"{here}[{i}]") for i, v in enumerate(value)]
            else:
                body[key] = convert(field, value, here)
        elif field.message_type is not None and not field.message_type.full_name.startswith("google.protobuf."):
            if field.is_repeated and isinstance(value, list):
                for i, item in enumerate(value):
                    _walk(field.message_type, item, convert, f"{here}[{i}]")
            else:
                _walk(field.message_type, value, convert, here)


def _walk_map(entry: Descriptor, body: Any, convert: Any, path: str) -> None:
    value_field = entry.fields_by_name["value"]
    if not isinstance(body, dict):
        return
    for key in list(body):
        here = f"{path}.{key}"
        if value_field.enum_type is not None:
            body[key] = convert(value_field, body[key], here)
        elif value_field.message_type is not None and not value_field.message_type.full_name.startswith(
            "google.protobuf."
        ):
            _walk(value_field.message_type, body[key], convert, here)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
