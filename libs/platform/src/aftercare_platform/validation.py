"""Checks of single values every service shares, with one wording and one status (INVALID_ARGUMENT /
400, the field named): text without NUL characters, integers within int64, UUID ids, months.
Pure: domain code may use it."""

from __future__ import annotations

import re
import uuid

from aftercare_platform.errors import InvalidArgument

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def check_text(field: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidArgument.for_field(field, "must not contain NUL characters")


def check_integer_text(field: str, value: str) -> None:
    """A value written as an integer must fit a signed 64-bit integer (the database's and protobuf's)."""
    text = value.strip()
    if _INTEGER.fullmatch(text) and not INT64_MIN <= int(text) <= INT64_MAX:
        raise InvalidArgument.for_field(field, f"must be between {INT64_MIN} and {INT64_MAX}")


def uuid_field(field: str, value: str) -> str:
    """The one check of a UUID id, for every service: canonical lower-case text, or INVALID_ARGUMENT."""
    text = (value or "").strip()
    if not text:
        raise InvalidArgument.for_field(field, "is required")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidArgument.for_field(field, f"must be a UUID like 123e4567-e89b-12d3-a456-426614174000, "
                                               f"got {len(text)} characters") from None


def month_field(field: str, value: str) -> tuple[int, int]:
    """`YYYY-MM` with a month 01-12, or INVALID_ARGUMENT naming the field."""
    found = _MONTH.match((value or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise InvalidArgument.for_field(field, f"must be a month like 2026-03, got {value[:20]!r}")
    return int(found.group(1)), int(found.group(2))
