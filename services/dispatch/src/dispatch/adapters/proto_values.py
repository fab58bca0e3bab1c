"""Protobuf's well-known values (Timestamp, Duration) and stored documents, for every aggregate's mapping.

Stored documents are the contract's proto3 JSON with the proto's own field names, read back through the
same message types, so a stored row and an answer never drift apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from aftercare_platform.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

M = TypeVar("M", bound=Message)


def instant(value: Timestamp, field: str, *, required: bool = True) -> datetime | None:
    if value.seconds == 0 and value.nanos == 0:
        if required:
            raise InvalidArgument.for_field(field, "is required")
        return None
    return value.ToDatetime(tzinfo=UTC)


def required_instant(value: Timestamp, field: str) -> datetime:
    found = instant(value, field)
    assert found is not None
    return found


def stamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def duration(value: timedelta) -> Duration:
    out = Duration()
    out.FromTimedelta(value)
    return out


def local_time(text: str, field: str) -> datetime:
    """A wall-clock time in a roster's own zone, given without an offset."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.for_field(field, f"{text!r} is not a local date-time like 2026-02-02T09:00:00") from None
    if value.tzinfo is not None:
        raise InvalidArgument.for_field(field, "is local wall time in the roster's zone: give it without an offset")
    return value


def calendar_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.for_field(field, f"{text!r} is not a date like 2027-02-10") from None


def document(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return out


def from_document(doc: dict[str, Any], message: M) -> M:
    return json_format.ParseDict(doc, message, ignore_unknown_fields=True)
