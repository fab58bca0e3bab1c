"""What every request is checked for before any service sees it, on gRPC and HTTP alike (the value
checks are `aftercare_platform.validation`): here, every string of a protobuf message."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from aftercare_platform.validation import check_text


def check_message(message: Message, prefix: str = "") -> None:
    """Every string of a protobuf message (nested, repeated and map values too) checked by `check_text`."""
    for descriptor, value in message.ListFields():
        _walk(prefix + descriptor.name, value)


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
