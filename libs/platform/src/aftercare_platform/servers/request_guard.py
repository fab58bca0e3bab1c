"""What every request is checked for before any service sees it, on gRPC and HTTP alike (the value
checks are `aftercare_platform.validation`): here, every string of a protobuf message."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.validation import check_text

# the ranges protobuf's own Timestamp and Duration accept (their conversions raise outside them)
_TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)
_DURATION_SECONDS = 315_576_000_000


def check_message(message: Message, prefix: str = "") -> None:
    """Every string of a protobuf message (nested, repeated and map values too) checked by `check_text`;
    every enum a value the schema defines; every Timestamp and Duration within protobuf's range."""
    _check_well_known(message, prefix.rstrip(".") or "request")
    for descriptor, value in message.ListFields():
        if descriptor.enum_type is not None:
            numbers = value if descriptor.is_repeated else [value]
            if any(number not in descriptor.enum_type.values_by_number for number in numbers):
                raise InvalidArgument.for_field(prefix + descriptor.name, "is not a value this API defines")
        _walk(prefix + descriptor.name, value)


def _seconds_and_nanos(message: Message) -> tuple[int, int]:
    values = {field.name: value for field, value in message.ListFields()}
    return int(values.get("seconds", 0)), int(values.get("nanos", 0))


def _check_well_known(message: Message, name: str) -> None:
    full_name = message.DESCRIPTOR.full_name
    if full_name == "google.protobuf.Timestamp":
        seconds, nanos = _seconds_and_nanos(message)
        if not _TIMESTAMP_SECONDS[0] <= seconds <= _TIMESTAMP_SECONDS[1] or not 0 <= nanos < 1_000_000_000:
            raise InvalidArgument.for_field(name, "is not a time between years 1 and 9999")
    elif full_name == "google.protobuf.Duration":
        seconds, nanos = _seconds_and_nanos(message)
        if abs(seconds) > _DURATION_SECONDS or abs(nanos) >= 1_000_000_000:
            raise InvalidArgument.for_field(name, "is not a duration of at most 10,000 years")


def _walk(name: str, value: Any) -> None:
    if isinstance(value, str):
        check_text(name, value)
    elif isinstance(value, Message):
        check_message(value, name + ".")
    elif isinstance(value, bytes | int | float | bool):
        return
    elif hasattr(value, "items"):  # a map field
        for key, item in value.items():
            _walk(f"{name}[{key!r}]", key)
            _walk(f"{name}[{key!r}]", item)
    else:  # a repeated field: messages by index, values by the field's name (as handlers name them)
        for index, item in enumerate(value):
            _walk(f"{name}[{index}]" if isinstance(item, Message) else name, item)
