"""Taking a parsed MIME tree apart: the body text (plain preferred, HTML converted) and attachments."""

from __future__ import annotations

import binascii
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from intake.domain.intake_request import AttachmentRef
from intake.parsing.charsets import decode_bytes, decode_header_value
from intake.parsing.email_rejected import EmailRejected, EmailRejectReason
from intake.parsing.html_text import html_to_text


@dataclass(frozen=True)
class EmailLimits:
    max_message_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 20
    max_parts: int = 200
    max_depth: int = 12
    # a body part's text is read this far (a description keeps 20,000 characters): the rest is not decoded
    max_text_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class EmailAttachment:
    """An attachment as it came in; the pipeline stores `data` and references it from the case."""

    filename: str
    content_type: str
    data: bytes
    note: str | None = None  # set when it arrived damaged: kept, but marked

    def ref(self, storage_key: str | None = None) -> AttachmentRef:
        return AttachmentRef(
            filename=self.filename,
            content_type=self.content_type,
            size_bytes=len(self.data),
            sha256=hashlib.sha256(self.data).hexdigest(),
            storage_key=storage_key,
            note=self.note,
        )


@dataclass
class MimeContent:
    body: str = ""
    body_from_html: bool = False
    attachments: list[EmailAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # attachments not kept (over a limit): the message is kept, the case says what is missing
    dropped: list[str] = field(default_factory=list)


# what decoding a part's transfer encoding reports when the part was cut off or mangled in transit
_ENCODING_DEFECTS = frozenset({"InvalidBase64PaddingDefect", "InvalidBase64CharactersDefect",
                               "InvalidBase64LengthDefect"})


def _leaves(message: Message, limits: EmailLimits) -> Iterator[Message]:
    """Leaf parts, depth first; an attached message (message/rfc822) is one leaf, not opened."""
    count = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > limits.max_parts:
            raise EmailRejected(EmailRejectReason.TOO_MANY_PARTS, f"more than {limits.max_parts} MIME parts")
        if depth > limits.max_depth:
            raise EmailRejected(EmailRejectReason.TOO_MANY_PARTS, f"MIME parts nested deeper than {limits.max_depth}")
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            stack.extend((child, depth + 1) for child in reversed(payload) if isinstance(child, Message))
        else:
            yield part


# a clean base64 body: its alphabet, whitespace between lines, padding only at the end
_CLEAN_BASE64 = re.compile(r"[A-Za-z0-9+/\s]*(?:={1,2}\s*)?")
_WHITESPACE = ("\r", "\n", " ", "\t")


def _clean_base64(part: Message) -> str | None:
    """The part's base64 text when it decodes without a defect, else None (the email package decodes it,
    noting what is damaged)."""
    payload = part.get_payload()
    if not isinstance(payload, str) or str(part.get("content-transfer-encoding", "")).strip().lower() != "base64":
        return None
    if not _CLEAN_BASE64.fullmatch(payload):
        return None
    significant = len(payload) - sum(payload.count(space) for space in _WHITESPACE)
    return payload if significant % 4 == 0 else None


def decoded_size(part: Message) -> int | None:
    """How many bytes a clean base64 part decodes to, known without decoding it (None: not known)."""
    payload = _clean_base64(part)
    if payload is None:
        return None
    tail = payload.rstrip()
    significant = len(payload) - sum(payload.count(space) for space in _WHITESPACE)
    return significant // 4 * 3 - (len(tail) - len(tail.rstrip("=")))


def _leaf_bytes(part: Message) -> bytes:
    clean = _clean_base64(part)
    if clean is not None:  # straight from the text: the email package would first copy it to bytes
        return binascii.a2b_base64(clean)
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822 and friends: keep the whole attached message
        chunks = []
        for inner in payload:
            try:
                chunks.append(inner.as_bytes(policy=policy.SMTP) if isinstance(inner, Message) else str(inner).encode())
            except Exception:  # a broken inner message still becomes bytes, just less faithfully
                chunks.append(str(inner).encode("utf-8", errors="replace"))
        return b"".join(chunks)
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(payload or "").encode("utf-8", errors="surrogateescape")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a mangled RFC 2231 parameter; treat as unnamed
        return None
    if not name:
        return None
    text, _ = decode_header_value(str(name))
    return text.strip() or None


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _is_attachment(part: Message, filename: str | None) -> bool:
    if filename:
        return True
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def _default_name(content_type: str, index: int) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    if content_type == "message/rfc822":
        extension = ".eml"
    return f"part-{index}{extension}"


def split_parts(message: Message, limits: EmailLimits) -> MimeContent:
    """Body text and attachments of `message`; raises only `EmailRejected` (for limits)."""
    content = MimeContent()
    plain: list[str] = []
    html: list[str] = []
    for index, part in enumerate(_leaves(message, limits), start=1):
        content_type = part.get_content_type()
        filename = _filename(part)
        if content_type.startswith("multipart/"):  # a multipart without a usable boundary: read it as text
            content.warnings.append(f"part {index}: {content_type} without parts, read as text")
            content_type = "text/plain"
        if content_type in ("text/plain", "text/html") and not _is_attachment(part, filename):
            data = _leaf_bytes(part)
            if len(data) > limits.max_text_bytes:  # the customer's words are kept, as far as a case holds them
                content.warnings.append(f"part {index} ({content_type}): {len(data)} bytes, read to "
                                        f"{limits.max_text_bytes}")
                data = data[:limits.max_text_bytes]
            decoded = decode_bytes(data, _charset(part))
            if decoded.warning:
                content.warnings.append(f"part {index} ({content_type}): {decoded.warning}")
            (plain if content_type == "text/plain" else html).append(decoded.text)
            continue
        name = filename or _default_name(content_type, index)
        known_size = decoded_size(part)
        if known_size is not None and known_size > limits.max_attachment_bytes:  # dropped without decoding it
            content.dropped.append(f"{name} ({known_size} bytes): over the limit of {limits.max_attachment_bytes} "
                                   "bytes per attachment")
            continue
        defects_before = len(part.defects)
        data = _leaf_bytes(part)
        if len(data) > limits.max_attachment_bytes:
            content.dropped.append(f"{name} ({len(data)} bytes): over the limit of {limits.max_attachment_bytes} "
                                   "bytes per attachment")
            continue
        if len(content.attachments) >= limits.max_attachments:
            content.dropped.append(f"{name} ({len(data)} bytes): more than {limits.max_attachments} attachments")
            continue
        damaged = [type(d).__name__ for d in part.defects[defects_before:] if type(d).__name__ in _ENCODING_DEFECTS]
        note = f"damaged: its encoding is truncated or broken ({', '.join(damaged)})" if damaged else None
        content.attachments.append(EmailAttachment(name, content_type, data, note))
    plain_text = "\n\n".join(text.strip() for text in plain if text.strip())
    if plain_text:
        content.body = plain_text
    elif html:
        content.body = "\n\n".join(filter(None, (html_to_text(markup) for markup in html)))
        content.body_from_html = True
    return content
