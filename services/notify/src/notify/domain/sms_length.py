"""How many SMS parts a text takes: GSM 03.38 (160 / 153 septets) or UCS-2 (70 / 67 code units).

Counted the way a handset splits: an extension character (escape + char, 2 septets) and a UCS-2
surrogate pair (2 units) are never cut between two parts, so a part may carry one unit less.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# each costs two septets: the escape and the character
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class SmsEncoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SmsLength:
    encoding: SmsEncoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    # the units a part may hold in this encoding once split
    part_capacity: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def _costs(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if c in GSM_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def sms_length(text: str) -> SmsLength:
    gsm = is_gsm7(text)
    single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    encoding = SmsEncoding.GSM7 if gsm else SmsEncoding.UCS2
    costs = _costs(text, gsm)
    units = sum(costs)
    if units == 0:
        return SmsLength(encoding, 0, 0, part)
    if units <= single:
        return SmsLength(encoding, units, 1, part)
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:  # a pair that does not fit whole starts the next part
            segments, used = segments + 1, 0
        used += cost
    return SmsLength(encoding, units, segments, part)


def fits(text: str, max_segments: int) -> bool:
    return sms_length(text).segments <= max_segments
