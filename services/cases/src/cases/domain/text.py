"""Text limits and the checks that name the offending field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from aftercare_platform.errors import InvalidArgument

SHORT_TEXT_MAX = 200  # names, phones, serials, codes
REASON_MAX = 2_000
LONG_TEXT_MAX = 20_000  # descriptions, notes, report sections
ERROR_CODES_MAX = 50
COMMAND_LOG_MAX = 5_000  # lines in a remote session's command log


def required_text(field: str, value: str | None, max_len: int = SHORT_TEXT_MAX) -> str:
    """`value` stripped; InvalidArgument naming `field` when empty or longer than `max_len`."""
    if value is None or not value.strip():
        raise InvalidArgument.for_field(field, "is required")
    return _bounded(field, value.strip(), max_len)


def optional_text(field: str, value: str | None, max_len: int = SHORT_TEXT_MAX) -> str | None:
    """`value` stripped, or None when empty; InvalidArgument naming `field` when too long."""
    if value is None or not value.strip():
        return None
    return _bounded(field, value.strip(), max_len)


def text_list(field: str, values: Iterable[str], *, max_items: int, max_len: int = SHORT_TEXT_MAX) -> tuple[str, ...]:
    items = tuple(v.strip() for v in values if v and v.strip())
    if len(items) > max_items:
        raise InvalidArgument.for_field(field, f"at most {max_items} items, got {len(items)}")
    for i, item in enumerate(items):
        _bounded(f"{field}[{i}]", item, max_len)
    return items


def require_aware(field: str, instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidArgument.for_field(field, "must carry a time zone")
    return instant


def _bounded(field: str, value: str, max_len: int) -> str:
    if len(value) > max_len:
        raise InvalidArgument.for_field(field, f"at most {max_len} characters, got {len(value)}")
    return without_nul(field, value)


def without_nul(field: str, value: str) -> str:
    """No text may hold NUL: databases refuse it, and no honest report contains one."""
    if "\x00" in value:
        raise InvalidArgument.for_field(field, "must not contain NUL characters")
    return value
