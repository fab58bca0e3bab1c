"""The SMS webhook parser: gateway shapes, phone normalisation, case-number notes, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from intake.domain.vocabulary import Channel
from intake.parsing.sms_fields import SmsRejected, SmsRejectReason
from intake.parsing.sms_parser import InboundSms, parse_sms_webhook

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse(payload: object) -> InboundSms:
    return parse_sms_webhook(payload, received_at=NOW)


def rejected(payload: object) -> SmsRejected:
    with pytest.raises(SmsRejected) as caught:
        parse(payload)
    return caught.value


def test_generic_gateway_json() -> None:
    sms = parse({"from": "13800138000", "to": "106900001234", "text": "3号楼门禁打不开", "id": "msg-1"})
    assert sms.sender == "+8613800138000"
    assert sms.recipient == "106900001234"
    assert sms.gateway_message_id == "msg-1"
    assert sms.sent_at is None
    request = sms.request
    assert request.channel is Channel.SMS
    assert request.reporter.phone == "+8613800138000"
    assert request.description == "3号楼门禁打不开"
    assert request.channel_message_id == "msg-1"
    assert request.received_at == NOW
    assert not request.adds_to_case


@pytest.mark.parametrize(
    "phone", ["13800138000", "+8613800138000", "8613800138000", "008613800138000", "138 0013 8000", "138-0013-8000"]
)
def test_phone_spellings_normalise_to_e164(phone: str) -> None:
    assert parse({"from": phone, "text": "hi", "id": "1"}).sender == "+8613800138000"


def test_foreign_number_in_e164() -> None:
    assert parse({"from": "+16502530000", "text": "hi", "id": "1"}).sender == "+16502530000"


def test_case_number_and_text_is_a_note_on_that_case() -> None:
    sms = parse({"from": "13800138000", "text": "EA-20261121-000042 重启后还是不行", "id": "2"})
    assert sms.request.quoted_case_number == "EA-20261121-000042"
    assert sms.request.adds_to_case
    assert sms.request.description == "EA-20261121-000042 重启后还是不行"


def test_lower_case_number_typed_on_a_phone() -> None:
    sms = parse({"from": "13800138000", "text": "ea-20261121-000042 ok now", "id": "3"})
    assert sms.request.quoted_case_number == "EA-20261121-000042"


def test_twilio_style_form_body() -> None:
    sms = parse("From=%2B8613800138000&To=%2B8610123&Body=Camera+down+error+code%3A+C-17&MessageSid=SM123")
    assert sms.sender == "+8613800138000"
    assert sms.gateway_message_id == "SM123"
    assert sms.request.description == "Camera down error code: C-17"
    assert sms.request.error_codes == ("C-17",)


def test_aliyun_style_uplink_with_local_send_time() -> None:
    body = {"phone_number": "13800138000", "content": "空调告警", "send_time": "2026-11-21 10:00:00", "sequence_id": 99}
    sms = parse(json.dumps(body, ensure_ascii=False).encode())
    assert sms.gateway_message_id == "99"
    assert sms.sent_at == datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)


def test_tencent_style_nationcode_and_unix_time() -> None:
    sms = parse({"mobile": "13800138000", "nationcode": "86", "text": "hi", "msg_id": "t1", "time": 1763690400})
    assert sms.sender == "+8613800138000"
    assert sms.sent_at == datetime.fromtimestamp(1763690400, UTC)


def test_millisecond_and_iso_timestamps() -> None:
    base = {"from": "13800138000", "text": "hi", "id": "1"}
    assert parse({**base, "timestamp": "1763690400000"}).sent_at == datetime.fromtimestamp(1763690400, UTC)
    assert parse({**base, "timestamp": "2026-11-21T02:00:00Z"}).sent_at == NOW


@pytest.mark.parametrize("stamp", ["yesterday-ish", "99999999999999999999", "1800-01-01"])
def test_unreadable_timestamp_is_a_warning_not_a_lost_message(stamp: str) -> None:
    sms = parse({"from": "13800138000", "text": "hi", "id": "1", "timestamp": stamp})
    assert sms.sent_at is None
    assert sms.warnings


def test_keys_are_case_insensitive_and_list_wrapped_values_accepted() -> None:
    sms = parse({"FROM": ["13800138000"], "Text": "hi", "ID": "1"})
    assert sms.sender == "+8613800138000"


@pytest.mark.parametrize(
    ("payload", "reason", "field"),
    [
        ({"text": "hi", "id": "1"}, SmsRejectReason.MISSING_FIELD, "from"),
        ({"from": "", "text": "hi", "id": "1"}, SmsRejectReason.MISSING_FIELD, "from"),
        ({"from": "12345", "text": "hi", "id": "1"}, SmsRejectReason.INVALID_PHONE, "from"),
        ({"from": "not a phone", "text": "hi", "id": "1"}, SmsRejectReason.INVALID_PHONE, "from"),
        ({"from": "13800138000", "text": "hi"}, SmsRejectReason.MISSING_FIELD, "id"),
        ({"from": "13800138000", "text": "  \n ", "id": "1"}, SmsRejectReason.EMPTY_TEXT, "text"),
        ({"from": "13800138000", "id": "1"}, SmsRejectReason.EMPTY_TEXT, "text"),
        ({"from": "13800138000", "text": "x" * 2001, "id": "1"}, SmsRejectReason.TEXT_TOO_LONG, "text"),
        ({"from": True, "text": "hi", "id": "1"}, SmsRejectReason.MALFORMED, "from"),
        ({"from": {"n": 1}, "text": "hi", "id": "1"}, SmsRejectReason.MALFORMED, "from"),
        ({"from": "13800138000", "text": 1.5, "id": "1"}, SmsRejectReason.MALFORMED, "text"),
        (None, SmsRejectReason.MALFORMED, "payload"),
        (42, SmsRejectReason.MALFORMED, "payload"),
        ("{not json", SmsRejectReason.MALFORMED, "payload"),
        ("[1, 2]", SmsRejectReason.MISSING_FIELD, "from"),
        ('{"a": 1', SmsRejectReason.MALFORMED, "payload"),
        (b"\xff\xfe", SmsRejectReason.MALFORMED, "payload"),
    ],
)
def test_bad_posts_are_rejected_with_reason_and_field(payload: object, reason: SmsRejectReason, field: str) -> None:
    error = rejected(payload)
    assert error.reason is reason
    assert error.field == field
    assert error.violations[0].field == field
    assert error.code == "invalid-argument"
