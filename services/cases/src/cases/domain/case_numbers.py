"""Case numbers: `<REGION>-<YYYYMMDD>-<6-digit sequence>`, dated in the region's own time zone.

The sequence is per region and local day; allocating it under concurrency is the
repository's job. These functions only format, parse and date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftercare_platform.case_numbers import REGION_CODES as PLATFORM_REGION_CODES
from aftercare_platform.errors import InvalidArgument

# one table for every service (intake reads case references with it)
REGION_CODES: Mapping[str, str] = PLATFORM_REGION_CODES

DEFAULT_TIME_ZONE = "Asia/Shanghai"
# every region of the plans is in China; a region abroad gets its own line here
REGION_TIME_ZONES: Mapping[str, str] = {name: DEFAULT_TIME_ZONE for name in REGION_CODES}

SEQUENCE_MAX = 999_999

_NUMBER = re.compile(r"^(?P<region>[A-Z]{2})-(?P<date>\d{8})-(?P<seq>\d{6})$")


@dataclass(frozen=True, order=True)
class CaseNumber:
    region_code: str
    local_date: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.region_code}-{self.local_date:%Y%m%d}-{self.sequence:06d}"


def region_code(region: str) -> str:
    """The 2-letter code of a region name: the mapping, else its first two letters upper-cased."""
    name = (region or "").strip().lower()
    if name in REGION_CODES:
        return REGION_CODES[name]
    letters = [c for c in name if c.isascii() and c.isalpha()]
    if len(letters) < 2:
        raise InvalidArgument.for_field("region", f"cannot derive a region code from {region!r}")
    return "".join(letters[:2]).upper()


def region_time_zone(region: str, zones: Mapping[str, str] | None = None) -> str:
    """The IANA time zone a region dates its case numbers in (default Asia/Shanghai)."""
    table = REGION_TIME_ZONES if zones is None else zones
    return table.get((region or "").strip().lower(), DEFAULT_TIME_ZONE)


def local_day(region_tz: str, instant: datetime) -> date:
    """The calendar date of `instant` in the time zone `region_tz`."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidArgument.for_field("instant", "must carry a time zone")
    try:
        zone = ZoneInfo(region_tz)
    except (ZoneInfoNotFoundError, ValueError) as unknown:
        raise InvalidArgument.for_field("time_zone", f"unknown time zone {region_tz!r}") from unknown
    return instant.astimezone(zone).date()


def format_case_number(region: str, local_date: date, seq: int) -> str:
    if not 1 <= seq <= SEQUENCE_MAX:
        raise InvalidArgument.for_field("sequence", f"must be 1..{SEQUENCE_MAX}, got {seq}")
    return str(CaseNumber(region_code(region), local_date, seq))


def parse_case_number(text: str, field: str = "case_number") -> CaseNumber:
    """A case number from its text; InvalidArgument naming `field` when malformed."""
    match = _NUMBER.match((text or "").strip().upper())
    if match is None:
        raise InvalidArgument.for_field(field, f"{text!r} is not a case number like EA-20261121-000042")
    try:
        local_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as bad_date:
        raise InvalidArgument.for_field(field, f"{text!r} has no such date {match['date']}") from bad_date
    sequence = int(match["seq"])
    if sequence == 0:
        raise InvalidArgument.for_field(field, f"{text!r}: sequences start at 000001")
    return CaseNumber(match["region"], local_date, sequence)


def looks_like_case_number(text: str) -> bool:
    """True when `text` has the shape of a case number (so a lookup goes by number, not id)."""
    return _NUMBER.match((text or "").strip().upper()) is not None
