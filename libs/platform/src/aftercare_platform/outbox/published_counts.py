"""`aftercare_events_published`: the events the broker confirmed, by event type, region and channel.

What an operator reads it for: cases opened and closed per region and per channel (`case.created` and
`case.closed` carry the channel the case came in through), SLA warnings and breaches fired, ….
The channel label is spelled as on every other wire (the short form: `hotline`, not `CHANNEL_HOTLINE`),
through the kit's EnumMap for the `channel` enum field of the type's registered payload; a type whose
payload has no such field, or is not registered, counts with channel "" (an unparsed string could make
series without end).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any

import orjson
from opentelemetry import metrics

from aftercare_platform.contracts.enum_map import EnumMap
from aftercare_platform.contracts.event_types import message_class
from aftercare_platform.errors import InvalidArgument

METRIC = "aftercare_events_published"
CHANNEL_FIELD = "channel"
UNKNOWN_CHANNEL = "unknown"  # a value this build's contract does not know


@functools.cache
def _channel_words(event_type: str) -> EnumMap[Any] | None:
    """The vocabulary of the type's `channel` field; None when its payload has no such enum."""
    message = message_class(event_type)
    field = message.DESCRIPTOR.fields_by_name.get(CHANNEL_FIELD) if message is not None else None
    if field is None or field.enum_type is None or field.is_repeated:
        return None
    return EnumMap.words(field.enum_type)


def channel_label(event_type: str, envelope: Any) -> str:
    """The short form of the event's channel (its proto3 JSON carries the long name, or a number this
    build does not know); "" when the type carries no channel or the event leaves it unset."""
    words = _channel_words(event_type)
    if words is None:
        return ""
    document = orjson.loads(envelope) if isinstance(envelope, str | bytes) else envelope
    data = document.get("data") if isinstance(document, dict) else None
    value = data.get(CHANNEL_FIELD) if isinstance(data, dict) else None
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return words.short(value, CHANNEL_FIELD) or ""
        found = words.parse_optional(value, CHANNEL_FIELD) if isinstance(value, str) else None
    except InvalidArgument:
        return UNKNOWN_CHANNEL
    return found.value if found is not None else ""


class PublishedEvents:
    """The counter; the relay adds each confirmed batch (`(event_type, routing_key, envelope)` per event)."""

    def __init__(self, meter: metrics.Meter) -> None:
        self._counter = meter.create_counter(
            METRIC, description="events confirmed by the broker, by event type, region and (for events whose "
                                "payload has one: cases opened and closed) the channel, in its short form")

    def add(self, events: Iterable[tuple[str, str, Any]]) -> None:
        by_kind: Counter[tuple[str, str, str]] = Counter()
        for event_type, routing_key, envelope in events:
            by_kind[event_type, routing_key.rsplit(".", 1)[-1], channel_label(event_type, envelope)] += 1
        for (event_type, region, channel), count in by_kind.items():
            self._counter.add(count, {"event_type": event_type, "region": region, "channel": channel})
