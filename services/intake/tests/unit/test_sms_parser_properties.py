"""Property: whatever a gateway (or anyone) posts, the SMS parser answers with a request or `SmsRejected`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake.domain.text import clean_line, clean_text
from intake.domain.vocabulary import Channel
from intake.parsing.sms_fields import SmsRejected
from intake.parsing.sms_parser import MAX_SMS_CHARS, parse_sms_webhook

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = ["from", "to", "text", "id", "timestamp", "mobile", "Body", "MessageSid", "nationcode", "send_time", "msisdn"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40), st.binary(max_size=20)
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
payload_dicts = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10), st.integers()), json_like)
mobiles = st.builds(lambda prefix, rest: f"1{prefix}{rest:08d}", st.sampled_from(["38", "39", "58", "86", "89"]),
                    st.integers(0, 99_999_999))  # fmt: skip


def parse_or_reject(payload: object) -> None:
    try:
        sms = parse_sms_webhook(payload, received_at=NOW)
    except SmsRejected:
        return
    assert sms.request.channel is Channel.SMS
    assert sms.sender.startswith("+")
    assert sms.request.reporter.phone == sms.sender
    assert sms.request.description


@PROFILE
@given(payload_dicts)
def test_arbitrary_dicts(payload: dict[object, object]) -> None:
    parse_or_reject(payload)


@PROFILE
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), json_like))
def test_arbitrary_strings_bytes_and_values(payload: object) -> None:
    parse_or_reject(payload)


@PROFILE
@given(payload_dicts)
def test_arbitrary_json_and_form_bodies(payload: dict[object, object]) -> None:
    text_keys = {str(key): value for key, value in payload.items()}
    parse_or_reject(json.dumps(text_keys, default=repr))
    parse_or_reject("&".join(f"{key}={value}" for key, value in text_keys.items()))


@PROFILE
@given(phone=mobiles, text=st.text(max_size=MAX_SMS_CHARS), message_id=st.text(min_size=1, max_size=20))
def test_well_formed_posts_keep_the_text(phone: str, text: str, message_id: str) -> None:
    try:
        sms = parse_sms_webhook({"from": phone, "text": text, "id": message_id}, received_at=NOW)
    except SmsRejected as rejected:
        assert not clean_text(text) or not clean_line(message_id) or rejected.field == "from"
        return
    assert sms.sender == "+86" + phone
    assert sms.request.description == clean_text(text)
