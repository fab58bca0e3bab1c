"""Inbound email → `InboundEmail` (an `IntakeRequest` plus the attachment bytes).

`parse_inbound_email` raises only `EmailRejected`, whatever the bytes: this is the contract the
SMTP listener relies on to never crash. Machine-written mail (auto-replies, bounces) is rejected
with an automated reason; a message quoting a case number becomes a note on that case.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesFeedParser

from aftercare_platform.errors import InvalidArgument

from intake.domain.case_numbers import find_case_number
from intake.domain.contact_points import InvalidContactPoint, normalise_email
from intake.domain.error_codes import extract_error_codes
from intake.domain.intake_request import MAX_DESCRIPTION_CHARS, MAX_SUMMARY_CHARS, IntakeRequest
from intake.domain.text import clean_line, clean_text, truncate
from intake.domain.vocabulary import Channel, StatedSeverity, parse_stated_severity
from intake.parsing.automated_mail import Automated, classify_automated
from intake.parsing.charsets import decode_header_value
from intake.parsing.email_rejected import EmailRejected, EmailRejectReason
from intake.parsing.mime_parts import EmailAttachment, EmailLimits, split_parts
from intake.parsing.reply_text import strip_quoted_reply

_FOLDING = re.compile(r"\r?\n[ \t]+")
_SUBJECT_TAG = re.compile(r"[\[【(（]\s*([^\]】)）]{1,12}?)\s*[\]】)）]")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class InboundEmail:
    request: IntakeRequest  # its attachment refs have no storage key yet
    attachments: tuple[EmailAttachment, ...]
    message_id: str  # the Message-ID, or "sha256:<hex of the raw bytes>" when there is none
    references: tuple[str, ...]  # In-Reply-To and References message ids, for threading
    warnings: tuple[str, ...]  # what was guessed: charset fallbacks, truncation


def _headers(message: Message) -> tuple[dict[str, str], list[str]]:
    """First value of each header, lower-cased name, decoded; raw values, so never the policy's parser."""
    headers: dict[str, str] = {}
    warnings: list[str] = []
    for name, value in message.raw_items():
        key = str(name).strip().lower()
        if key in headers:
            continue
        text, problems = decode_header_value(_FOLDING.sub(" ", str(value)))
        headers[key] = text.strip()
        warnings.extend(f"{key} {problem}" for problem in problems)
    return headers, warnings


def _sender(headers: dict[str, str]) -> tuple[str, str]:
    for name in ("from", "sender", "reply-to"):
        if headers.get(name):
            pairs = email.utils.getaddresses([headers[name]])
            for display, address in pairs:
                if address and "@" in address:
                    return clean_line(display), address.strip()
    return "", ""


def _severity_from_subject(subject: str) -> StatedSeverity | None:
    for tag in _SUBJECT_TAG.findall(subject):
        severity = parse_stated_severity(tag)
        if severity is not None:
            return severity
    return None


def _message_id(headers: dict[str, str], raw: bytes) -> str:
    found = _MESSAGE_ID.search(headers.get("message-id", ""))
    return found.group(0) if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def _references(headers: dict[str, str]) -> tuple[str, ...]:
    ids: list[str] = []
    for name in ("in-reply-to", "references"):
        for found in _MESSAGE_ID.findall(headers.get(name, "")):
            if found not in ids:
                ids.append(found)
    return tuple(ids[:50])


_FEED_CHUNK = 64 * 1024
_DROPPED_NOTE_CHARS = 4_000


def _read_mime(raw: bytes) -> Message:
    """The MIME tree, fed in chunks: parsing the whole message at once holds a text copy of all of it
    besides its lines (with the email package's decoding, 7.6 times a 17 MB message at the peak; fed in
    chunks and decoded straight from the text by `mime_parts`, under 3 times)."""
    parser = BytesFeedParser(policy=policy.default)
    view = memoryview(raw)
    for start in range(0, len(view), _FEED_CHUNK):
        parser.feed(bytes(view[start:start + _FEED_CHUNK]))
    return parser.close()


def _parse(raw: bytes, received_at: datetime, envelope_sender: str | None, limits: EmailLimits) -> InboundEmail:
    if not raw.strip():
        raise EmailRejected(EmailRejectReason.EMPTY, "the message is empty")
    if len(raw) > limits.max_message_bytes:
        raise EmailRejected(EmailRejectReason.TOO_LARGE, f"{len(raw)} bytes, over {limits.max_message_bytes}")
    message = _read_mime(raw)
    headers, warnings = _headers(message)
    display_name, address = _sender(headers)
    subject = clean_line(headers.get("subject", ""))

    automated = classify_automated(headers, message.get_content_type(), address or None, subject, envelope_sender)
    if automated is not None:
        kind, why = automated
        reason = EmailRejectReason.BOUNCE if kind is Automated.BOUNCE else EmailRejectReason.AUTO_REPLY
        raise EmailRejected(reason, why)
    if not address:
        raise EmailRejected(EmailRejectReason.NO_SENDER, "no From address")
    try:
        sender = normalise_email(address)
    except InvalidContactPoint as problem:
        raise EmailRejected(EmailRejectReason.INVALID_SENDER, f"From address {problem}") from None

    content = split_parts(message, limits)
    warnings.extend(content.warnings)
    body = clean_text(content.body)
    quoted_case = find_case_number(subject) or find_case_number(body)
    if quoted_case is not None:
        body = strip_quoted_reply(body) or body  # a note is the new words, not our own mail quoted back
    description = body or subject
    if not description:
        raise EmailRejected(EmailRejectReason.NO_TEXT, "neither subject nor body has any text")
    dropped_note = ""
    if content.dropped:  # the customer's words are kept; the case says what did not come with them
        lines = "\n".join(f"- {dropped}" for dropped in content.dropped)
        dropped_note, _ = truncate(f"\n\n[Attachments not kept:\n{lines}]", _DROPPED_NOTE_CHARS, "\n…]")
        warnings.extend(f"attachment not kept: {dropped}" for dropped in content.dropped)
    # a long body is cut before the note, so the case still says what is missing
    description, cut = truncate(description, MAX_DESCRIPTION_CHARS - len(dropped_note))
    description = (description + dropped_note).strip()
    if cut:
        warnings.append(f"body truncated to {MAX_DESCRIPTION_CHARS} characters")
    summary, _ = truncate(subject, MAX_SUMMARY_CHARS, "…")
    message_id = _message_id(headers, raw)
    try:
        request = IntakeRequest.create(
            channel=Channel.EMAIL,
            received_at=received_at,
            description=description,
            summary=summary or None,
            reporter={"name": display_name[:200] or None, "email": sender},
            error_codes=extract_error_codes(f"{subject}\n{body}"),
            stated_severity=_severity_from_subject(subject),
            attachments=tuple(attachment.ref() for attachment in content.attachments),
            channel_message_id=message_id[:200],
            quoted_case_number=quoted_case,
        )
    except InvalidArgument as invalid:
        raise EmailRejected(EmailRejectReason.INVALID_REQUEST, invalid.detail) from None
    return InboundEmail(
        request=request,
        attachments=tuple(content.attachments),
        message_id=message_id,
        references=_references(headers),
        warnings=tuple(warnings),
    )


def parse_inbound_email(
    raw: bytes,
    *,
    received_at: datetime,
    envelope_sender: str | None = None,
    limits: EmailLimits | None = None,
) -> InboundEmail:
    """Parse one message as received by SMTP; raises `EmailRejected` and nothing else.

    `envelope_sender` is the SMTP `MAIL FROM` if known ("" for the null sender of bounces)."""
    try:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise EmailRejected(EmailRejectReason.MALFORMED, f"expected bytes, got {type(raw).__name__}")
        return _parse(bytes(raw), received_at, envelope_sender, limits or EmailLimits())
    except EmailRejected:
        raise
    except Exception as unexpected:  # hostile input must never take the listener down: it is a rejection
        raise EmailRejected(
            EmailRejectReason.MALFORMED, f"unreadable message ({type(unexpected).__name__})"
        ) from unexpected
