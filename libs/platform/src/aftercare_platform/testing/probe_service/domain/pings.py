"""A ping: the one thing the probe knows. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aftercare_platform.errors import InvalidArgument


@dataclass(frozen=True)
class Ping:
    id: str
    text: str
    by: str
    at: datetime


def new_ping(ping_id: str, text: object, by: str, at: datetime) -> Ping:
    """A ping of non-empty text; InvalidArgument naming `text` otherwise."""
    if not isinstance(text, str) or not text:
        raise InvalidArgument.for_field("text", "must be a non-empty string")
    return Ping(ping_id, text, by, at)
