"""The one conversion between notify's words and the proto enums (`DELIVERY_CHANNEL_SMS` <-> `sms`)."""

from __future__ import annotations

from typing import Any

from aftercare.notify.v1 import notify_pb2
from aftercare_platform.errors import InvalidArgument

from notify.domain.vocabulary import Channel, DeliveryState


def _word(enum: Any, number: int, prefix: str) -> str:
    name: str = enum.Name(number) if number in enum.values() else ""
    return name.removeprefix(prefix).lower()


def enum_word(enum: Any, value: str | int, prefix: str) -> str:
    """A proto enum value (number, or its JSON name) as notify spells it: PRIORITY_P1 -> p1."""
    if isinstance(value, int):
        return _word(enum, value, prefix)
    return value.removeprefix(prefix).lower()


def channel_message(channel: Channel | str) -> notify_pb2.DeliveryChannel.ValueType:
    return notify_pb2.DeliveryChannel.Value(f"DELIVERY_CHANNEL_{str(channel).upper()}")


def channel_from(value: int, field: str) -> Channel:
    word = _word(notify_pb2.DeliveryChannel, value, "DELIVERY_CHANNEL_")
    try:
        return Channel(word)
    except ValueError:
        raise InvalidArgument.for_field(field, "must be SMS, EMAIL or WEBHOOK") from None


def state_message(state: DeliveryState | str) -> notify_pb2.DeliveryState.ValueType:
    return notify_pb2.DeliveryState.Value(f"DELIVERY_STATE_{str(state).upper()}")
