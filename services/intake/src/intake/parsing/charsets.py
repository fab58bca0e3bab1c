"""Decoding text from mail in whatever charset it claims (or fails to claim).

Chinese mail often declares `gb2312` while using GBK characters, so the GB family decodes as
gb18030 (a superset) and `big5` as big5hkscs. When the declared charset is unknown or wrong, we
try UTF-8, then gb18030, then big5, and finally UTF-8 with replacement characters; each fallback
is reported so the caller can record it.
"""

from __future__ import annotations

import codecs
import email.header
from dataclasses import dataclass

# Decoders that accept strictly more than what the label promises.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",  # mislabelled 8-bit mail is usually UTF-8
    "us-ascii": "utf-8",
}
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
_MAX_CHARSET_LABEL = 40


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the codec that produced `text`
    warning: str | None = None  # set when the declared charset was not used as-is


def _codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when there is none we trust."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if not name or len(name) > _MAX_CHARSET_LABEL:
        return None
    name = _SUPERSETS.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # only real text codecs: "base64", "rot13", "zlib" and the like are not charsets
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """`data` as text; never raises."""
    codec = _codec_for(declared)
    if codec is not None:
        try:
            return Decoded(data.decode(codec), codec)
        except (UnicodeError, LookupError):  # UnicodeError: codecs like "undefined" refuse everything
            pass
    reason = (
        f"charset {declared!r} did not decode the text"
        if codec is not None
        else (f"unknown charset {declared!r}" if declared else "no charset declared")
    )
    for fallback in _FALLBACKS:
        if fallback == codec:
            continue
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        warning = None if declared is None and fallback == "utf-8" else f"{reason}; decoded as {fallback}"
        return Decoded(text, fallback, warning)
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8", f"{reason}; decoded as utf-8 with replacements")


def decode_header_value(raw: str) -> tuple[str, list[str]]:
    """A header value with RFC 2047 encoded words and raw 8-bit bytes decoded; never raises."""
    warnings: list[str] = []
    try:
        chunks = email.header.decode_header(raw)
    except Exception:  # a broken encoded word: keep the raw text rather than lose the header
        chunks = [(raw, None)]
        warnings.append("malformed encoded word in a header; kept as-is")
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            # 8-bit header bytes reach us as surrogate escapes
            data = chunk.encode("utf-8", errors="surrogateescape")
            if data.isascii():
                parts.append(chunk)
                continue
            decoded = decode_bytes(data, None)
        else:
            decoded = decode_bytes(chunk, charset)
        if decoded.warning:
            warnings.append(f"header: {decoded.warning}")
        parts.append(decoded.text)
    return "".join(parts), warnings
