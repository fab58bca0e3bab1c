"""The region codes case numbers start with (`EA-20261121-000042`): cases numbers with them, and
intake takes only text with one of them for a case reference (`PO-20261121-000042` is an order)."""

from __future__ import annotations

from collections.abc import Mapping

REGION_CODES: Mapping[str, str] = {
    "east": "EA",
    "south": "SO",
    "north": "NO",
    "west": "WE",
    "central": "CE",
}

CASE_NUMBER_PREFIXES: frozenset[str] = frozenset(REGION_CODES.values())
