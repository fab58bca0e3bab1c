"""Error codes customers quote in free text ("错误码: E-1021", "error code 0x80070005")."""

from __future__ import annotations

import re
import unicodedata

_LABELLED_CODE = re.compile(
    r"(?:error\s*code|err(?:or)?\s*no\.?|fault\s*code|alarm\s*code|错误码|错误代码|错误号|故障码|故障代码|报警码|告警码)"
    r"\s*[:=#]?\s*([A-Za-z0-9][A-Za-z0-9_.\-]{0,39})",
    re.IGNORECASE,
)
MAX_CODES_FROM_TEXT = 10


def extract_error_codes(text: str | None) -> tuple[str, ...]:
    """Codes that follow an "error code"-like label in `text`, in order, without repeats."""
    if not text:
        return ()
    codes: list[str] = []
    for match in _LABELLED_CODE.finditer(unicodedata.normalize("NFKC", text)):
        code = match.group(1).rstrip(".-_")
        if code and code not in codes:
            codes.append(code)
        if len(codes) == MAX_CODES_FROM_TEXT:
            break
    return tuple(codes)
