"""Cleaning free text from customers: newlines, invisible control characters, length limits."""

from __future__ import annotations

import re

# C0/C1 controls except tab and newline; they only ever come from broken encodings or pasted binaries.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Unix newlines, no control characters or lone surrogates, no surrounding blanks."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    return text.strip()


def clean_line(value: str) -> str:
    """One line of text: every run of whitespace becomes one space."""
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # already clean (the common case in bulk imports): no controls, no odd spaces
    return " ".join(clean_text(value).split())


def truncate(text: str, limit: int, marker: str = "\n[…truncated]") -> tuple[str, bool]:
    """`text` cut to at most `limit` characters (marker included), and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: max(0, limit - len(marker))] + marker, True
