"""Reading one CSV cell into a value; a bad cell raises `CellError` with the reason."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from aftercare_platform.languages import language_of

from intake.domain.contact_points import InvalidContactPoint, normalise_email, normalise_phone
from intake.domain.text import clean_line

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,31}")
MAX_ID_CHARS = 100
MAX_TEXT_CHARS = 500


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown to the importer."""


def text(raw: str | None, limit: int = MAX_TEXT_CHARS) -> str | None:
    value = clean_line(raw or "")
    if len(value) > limit:
        raise CellError(f"longer than {limit} characters")
    return value or None


def identifier(raw: str | None) -> str | None:
    value = text(raw, MAX_ID_CHARS)
    if value is not None and " " in value:
        raise CellError("must not contain spaces")
    return value


def day(raw: str | None) -> date | None:
    value = text(raw, 40)
    if value is None:
        return None
    match = _DATE.fullmatch(value)
    if not match:
        raise CellError(f"{value!r} is not a date like 2026-11-21")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(f"{value!r} is not a real date") from None


def whole_number(raw: str | None, low: int, high: int) -> int | None:
    value = text(raw, 20)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise CellError(f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise CellError(f"{number} is not between {low} and {high}")
    return number


def phone(raw: str | None) -> str | None:
    value = text(raw, 64)
    if value is None:
        return None
    try:
        return normalise_phone(value)
    except InvalidContactPoint as problem:
        raise CellError(f"{value!r} {problem}") from None


def email(raw: str | None) -> str | None:
    value = text(raw, 254)
    if value is None:
        return None
    try:
        return normalise_email(value)
    except InvalidContactPoint as problem:
        raise CellError(f"{value!r} {problem}") from None


def time_zone(raw: str | None) -> str | None:
    value = text(raw, 64)
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, or ValueError for keys that are not paths
        raise CellError(f"{value!r} is not an IANA time zone like Asia/Shanghai") from None
    return value


def region(raw: str | None) -> str | None:
    value = text(raw, 32)
    if value is not None and not _REGION.fullmatch(value):
        raise CellError(f"{value!r} is not a region code (letters, digits, hyphens)")
    return value


def language(raw: str | None) -> str | None:
    value = text(raw, 32)
    if value is None:
        return None
    try:
        return language_of(value).value
    except ValueError as problem:
        raise CellError(str(problem)) from None
