"""Inbound SMS webhooks → `InboundSms` (an `IntakeRequest` plus the gateway's facts).

Gateways post the same few facts under different names (`from`/`mobile`/`phone_number`,
`text`/`Body`/`content`, `id`/`MessageSid`/`sequence_id`, ...) as JSON or as a form; all are
accepted. The sender's phone becomes E.164 (national numbers read as Chinese by default); a text
that quotes a case number adds a note to that case. `parse_sms_webhook` raises only
`SmsRejected`, whatever it is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from aftercare_platform.errors import InvalidArgument

from intake.domain.case_numbers import find_case_number
from intake.domain.contact_points import DEFAULT_PHONE_REGION, InvalidContactPoint, normalise_phone
from intake.domain.error_codes import extract_error_codes
from intake.domain.intake_request import IntakeRequest
from intake.domain.text import clean_line, clean_text
from intake.domain.vocabulary import Channel
from intake.parsing.sms_fields import SmsRejected, SmsRejectReason, parse_sent_at

MAX_SMS_CHARS = 2_000  # a long concatenated SMS is ~1,000; anything far past that is not a text message
MAX_PAYLOAD_CHARS = 64 * 1024
CHINA_TIME = ZoneInfo("Asia/Shanghai")

_ALIASES: dict[str, tuple[str, ...]] = {
    "from": ("from", "msisdn", "mobile", "phone", "phone_number", "phonenumber", "sender", "src", "originator"),
    "to": ("to", "dest", "dest_code", "destination", "recipient", "receiver", "sp_number"),
    "text": ("text", "body", "content", "message", "msg", "sms"),
    "id": ("id", "message_id", "messageid", "messagesid", "smssid", "msg_id", "msgid", "sms_id", "sequence_id"),
    "timestamp": ("timestamp", "time", "send_time", "sent_at", "date", "datetime"),
    "country": ("nationcode", "country_code"),
}


@dataclass(frozen=True)
class InboundSms:
    request: IntakeRequest
    sender: str  # E.164
    recipient: str | None  # our service number as the gateway wrote it (often a short code)
    gateway_message_id: str
    sent_at: datetime | None
    warnings: tuple[str, ...]


def _as_mapping(payload: object) -> Mapping[Any, Any]:
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, bytes | bytearray | memoryview):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise SmsRejected(SmsRejectReason.MALFORMED, "payload", "is not UTF-8") from None
    if not isinstance(payload, str):
        raise SmsRejected(SmsRejectReason.MALFORMED, "payload", f"expected an object, got {type(payload).__name__}")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise SmsRejected(SmsRejectReason.MALFORMED, "payload", f"longer than {MAX_PAYLOAD_CHARS} characters")
    text = payload.strip()
    if text.startswith("{"):
        try:
            decoded = json.loads(text)
        except ValueError:
            raise SmsRejected(SmsRejectReason.MALFORMED, "payload", "is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise SmsRejected(SmsRejectReason.MALFORMED, "payload", "JSON is not an object")
        return decoded
    form = parse_qs(text, keep_blank_values=True, max_num_fields=100)
    return {key: values[0] for key, values in form.items() if values}


def _field(data: Mapping[Any, Any], name: str) -> str | None:
    """The value of the first alias present, as text; numbers are accepted (JSON phones and times)."""
    lowered = {str(key).strip().lower(): value for key, value in data.items() if isinstance(key, str)}
    for alias in _ALIASES[name]:
        if alias not in lowered or lowered[alias] is None:
            continue
        value = lowered[alias]
        if isinstance(value, list) and len(value) == 1:  # some gateways wrap every value in a list
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise SmsRejected(SmsRejectReason.MALFORMED, name, f"expected text, got {type(value).__name__}")
        if isinstance(value, float):
            if name != "timestamp":
                raise SmsRejected(SmsRejectReason.MALFORMED, name, "expected text, got a number")
            return repr(value)
        return str(value)
    return None


def _sender(data: Mapping[Any, Any], region: str) -> str:
    raw = _field(data, "from")
    if raw is None or not raw.strip():
        raise SmsRejected(SmsRejectReason.MISSING_FIELD, "from", "the sender's phone number is missing")
    country = _field(data, "country")
    if country and country.strip().lstrip("+").isdigit() and not raw.strip().startswith("+"):
        raw = f"+{country.strip().lstrip('+')}{raw.strip()}"
    try:
        return normalise_phone(raw, region)
    except InvalidContactPoint as problem:
        raise SmsRejected(SmsRejectReason.INVALID_PHONE, "from", str(problem)) from None


def _parse(payload: object, received_at: datetime, region: str, local_zone: ZoneInfo) -> InboundSms:
    data = _as_mapping(payload)
    sender = _sender(data, region)
    message_id = clean_line(_field(data, "id") or "")
    if not message_id:
        raise SmsRejected(SmsRejectReason.MISSING_FIELD, "id", "the gateway's message id is missing")
    if len(message_id) > 200:
        raise SmsRejected(SmsRejectReason.MALFORMED, "id", "longer than 200 characters")
    text = clean_text(_field(data, "text") or "")
    if not text:
        raise SmsRejected(SmsRejectReason.EMPTY_TEXT, "text", "the message has no text")
    if len(text) > MAX_SMS_CHARS:
        raise SmsRejected(SmsRejectReason.TEXT_TOO_LONG, "text", f"longer than {MAX_SMS_CHARS} characters")
    warnings: list[str] = []
    sent_at = parse_sent_at(_field(data, "timestamp"), local_zone, warnings)
    recipient = clean_line(_field(data, "to") or "")[:64] or None
    quoted = find_case_number(text)
    try:
        request = IntakeRequest.create(
            channel=Channel.SMS,
            received_at=received_at,
            description=text,
            reporter={"phone": sender},
            error_codes=extract_error_codes(text),
            channel_message_id=message_id,
            quoted_case_number=quoted,
        )
    except InvalidArgument as invalid:
        raise SmsRejected(SmsRejectReason.INVALID_REQUEST, "request", invalid.detail) from None
    return InboundSms(request, sender, recipient, message_id, sent_at, tuple(warnings))


def parse_sms_webhook(
    payload: object,
    *,
    received_at: datetime,
    default_region: str = DEFAULT_PHONE_REGION,
    local_zone: ZoneInfo = CHINA_TIME,
) -> InboundSms:
    """Parse one gateway post (a mapping, or its JSON / form-encoded body); raises `SmsRejected` only.

    `local_zone` reads gateway timestamps that carry no zone (Chinese gateways send local time)."""
    try:
        return _parse(payload, received_at, default_region, local_zone)
    except SmsRejected:
        raise
    except Exception as unexpected:  # a webhook must answer with a rejection, never crash on odd input
        raise SmsRejected(
            SmsRejectReason.MALFORMED, "payload", f"unreadable ({type(unexpected).__name__})"
        ) from unexpected
