"""Large mail parts: an attachment over the limit is dropped without being decoded (its size read from
its encoding), a huge body is read only as far as a case keeps it, and parsing a 17 MB message holds
under three times its size (the email package's one-shot parse held 7.6 times)."""

from __future__ import annotations

import base64
import os
import tracemalloc
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from intake.parsing.email_parser import parse_inbound_email
from intake.parsing.mime_parts import EmailLimits, decoded_size

MiB = 1024 * 1024


def message(body: str, attachment: bytes = b"") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "li.lei@acme.example", "support@aftercare.example", "camera offline"
    mail.set_content(body)
    if attachment:
        mail.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="dump.bin")
    return mail.as_bytes()


@pytest.mark.parametrize("size", [1, 2, 3, 4, 57, 58, 59, 1000, 100_001])
def test_the_size_of_a_base64_part_is_known_without_decoding_it(size: int) -> None:
    part = message_from_bytes(message("x", os.urandom(size)), policy=policy.default).get_payload()[1]
    assert decoded_size(part) == size


def test_a_damaged_base64_part_has_no_size_known_in_advance() -> None:
    raw = message("x", b"0123456789").replace(base64.b64encode(b"0123456789"), b"MDEyMzQ1Njc4O")
    part = message_from_bytes(raw, policy=policy.default).get_payload()[1]
    assert decoded_size(part) is None


def peak_while_parsing(raw: bytes, limits: EmailLimits) -> tuple[int, object]:
    tracemalloc.start()
    try:
        mail = parse_inbound_email(raw, received_at=datetime.now(UTC), limits=limits)
        return tracemalloc.get_traced_memory()[1], mail
    finally:
        tracemalloc.stop()


def test_a_17_mb_message_is_parsed_in_under_three_times_its_size_and_its_words_are_kept() -> None:
    words = "The camera at gate 3 shows no picture since the storm. "
    raw = message(words * 30_000, os.urandom(12 * MiB))  # 1.6 MB of text, a 12 MB attachment: 17.6 MB
    limits = EmailLimits(max_message_bytes=40 * MiB, max_attachment_bytes=10 * MiB)
    peak, mail = peak_while_parsing(raw, limits)
    assert peak < 3 * len(raw), f"{peak / len(raw):.1f} times the message"
    assert mail.attachments == ()  # type: ignore[attr-defined]
    description = mail.request.description  # type: ignore[attr-defined]
    # the body is longer than a case keeps: cut before the note, so the note still says what is missing
    assert description.startswith(words) and f"dump.bin ({12 * MiB} bytes): over the limit" in description
    assert len(description) <= 20_000


def test_a_body_past_the_text_limit_is_read_to_the_limit() -> None:
    raw = message("Gate 3 is dark. " + "z" * 3 * MiB)
    mail = parse_inbound_email(raw, received_at=datetime.now(UTC), limits=EmailLimits(max_text_bytes=MiB))
    assert mail.request.description.startswith("Gate 3 is dark.")
    assert any("read to 1048576" in warning for warning in mail.warnings)
