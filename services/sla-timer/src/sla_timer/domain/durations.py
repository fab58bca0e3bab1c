"""Durations as policies write them: "5m", "2h", "1h30m", "90s" or ISO 8601 "PT1H30M"."""

from __future__ import annotations

import re
from datetime import timedelta

_COMPACT = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
_ISO = re.compile(r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?$")


def parse_duration(text: str) -> timedelta:
    """Parse a whole-second duration; days are refused because a business day is not 24 hours."""
    cleaned = str(text).strip().replace(" ", "")
    match = _COMPACT.match(cleaned.lower()) or _ISO.match(cleaned.upper())
    if not cleaned or match is None or not any(match.groupdict().values()):
        raise ValueError(f"{text!r} is not a duration like '45s', '5m', '2h', '1h30m' or 'PT1H30M'")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(hours=parts.get("h", 0), minutes=parts.get("m", 0), seconds=parts.get("s", 0))


def format_duration(value: timedelta) -> str:
    """The compact form parse_duration reads back ("1h30m"); a sub-second part is shown as "1.5s"."""
    if value < timedelta(0):
        return "-" + format_duration(-value)
    whole, micro = divmod(value // timedelta(microseconds=1), 1_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours}h" if hours else ""
    text += f"{minutes}m" if minutes else ""
    if seconds or micro or not text:
        text += str(seconds) + (f".{micro:06d}".rstrip("0") if micro else "") + "s"
    return text
