"""A ping: the template's stand-in for the service's own aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aftercare_platform.errors import InvalidArgument

MAX_TEXT = 200


@dataclass(frozen=True)
class Ping:
    id: str
    text: str
    by: str  # the caller's subject
    at: datetime


def new_ping(ping_id: str, text: str, by: str, at: datetime) -> Ping:
    """A ping with its text trimmed; refused, naming the field, when empty or too long."""
    text = text.strip()
    if not text:
        raise InvalidArgument.for_field("text", "must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidArgument.for_field("text", f"must be at most {MAX_TEXT} characters")
    return Ping(ping_id, text, by, at)
