"""Case numbers `<REGION>-<YYYYMMDD>-<6 digits>` (e.g. `EA-20261121-000042`) and finding them in text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from aftercare_platform.case_numbers import CASE_NUMBER_PREFIXES

# Case-insensitive so "ea-20261121-000042" typed on a phone is still found; not glued to other letters/digits.
_CASE_NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,4})\s?-\s?(\d{4})(\d{2})(\d{2})\s?-\s?(\d{6})(?![0-9])")
_CASE_NUMBER_EXACT = re.compile(r"[A-Z]{2,4}-\d{8}-\d{6}")


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def is_case_number(value: str) -> bool:
    """True for a well-formed case number in its canonical (upper-case, no spaces) spelling."""
    if not _CASE_NUMBER_EXACT.fullmatch(value):
        return False
    return _valid_date(value[-15:-11], value[-11:-9], value[-9:-7])


def find_case_number(text: str | None, prefixes: frozenset[str] = CASE_NUMBER_PREFIXES) -> str | None:
    """The first case number quoted in `text`, canonicalised; full-width forms (IME input) count too.
    Only a region's prefix makes one: `PO-20261121-000042` (an order, a contract) is not a case."""
    if not text:
        return None
    normalised = unicodedata.normalize("NFKC", text)
    for match in _CASE_NUMBER_IN_TEXT.finditer(normalised):
        region, year, month, day, sequence = match.groups()
        if region.upper() in prefixes and _valid_date(year, month, day):
            return f"{region.upper()}-{year}{month}{day}-{sequence}"
    return None
