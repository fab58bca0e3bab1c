"""The normalised intake request and its field-named validation errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.servers.http_problems import problem_for
from intake.domain.intake_request import MAX_DESCRIPTION_CHARS, AttachmentRef, IntakeRequest
from intake.domain.vocabulary import CaseKind, Category, Channel, StatedSeverity

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
SHA = "0" * 64


def make(**fields: Any) -> IntakeRequest:
    base: dict[str, Any] = {"channel": Channel.AGENT_PHONE, "received_at": NOW, "description": "NVR offline"}
    return IntakeRequest.create(**{**base, **fields})


def violations(**fields: Any) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        make(**fields)
    return {v.field: v.description for v in caught.value.violations}


def test_agent_entry_normalises_everything() -> None:
    request = make(
        description="  Line one\r\nLine two\x00  ",
        summary="  NVR   offline ",
        reporter={"name": " 张三 ", "phone": "138 0013 8000", "email": "ZhangSan@Example.COM"},
        hints={"company": "市第一医院", "serial_number": " SN-001 ", "contract_id": "C-1"},
        error_codes=["E-1", " E-1 ", "", "E-2"],
        category="B",
        kind="defect",
        stated_severity="critical",
    )
    assert request.description == "Line one\nLine two"
    assert request.summary == "NVR offline"
    assert request.reporter.name == "张三"
    assert request.reporter.phone == "+8613800138000"
    assert request.reporter.email == "ZhangSan@example.com"
    assert request.hints.serial_number == "SN-001"
    assert request.error_codes == ("E-1", "E-2")
    assert (request.category, request.kind, request.stated_severity) == (
        Category.B,
        CaseKind.DEFECT,
        StatedSeverity.CRITICAL,
    )
    assert not request.adds_to_case


def test_request_is_immutable_and_hashable() -> None:
    request = make()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is an implementation detail
        request.description = "changed"  # type: ignore[misc]
    assert hash(request) == hash(make())


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"description": "   "}, "description", "must not be empty"),
        ({"description": "x" * (MAX_DESCRIPTION_CHARS + 1)}, "description", "longer than"),
        ({"summary": "x" * 201}, "summary", "longer than"),
        ({"reporter": {"phone": "12345"}}, "reporter.phone", "not a valid phone number"),
        ({"reporter": {"phone": "call me"}}, "reporter.phone", "not a phone number"),
        ({"reporter": {"email": "someone@"}}, "reporter.email", "not a valid email"),
        ({"reporter": {"email": "no-at-sign"}}, "reporter.email", "not a valid email"),
        ({"received_at": datetime(2026, 11, 21)}, "received_at", "time zone"),
        ({"quoted_case_number": "EA-2026-1"}, "quoted_case_number", "not a case number"),
        ({"category": "Z"}, "category", ""),
        ({"error_codes": ["x" * 101]}, "error_codes", "longer than"),
        ({"channel": "pigeon"}, "channel", ""),
        ({"surprise": 1}, "surprise", ""),
    ],
)
def test_each_bad_field_is_named(fields: dict[str, Any], field: str, words: str) -> None:
    found = violations(**fields)
    assert field in found
    assert words in found[field]


def test_all_violations_are_reported_together_and_map_to_a_problem() -> None:
    with pytest.raises(InvalidArgument) as caught:
        make(description="", reporter={"phone": "1", "email": "x"})
    error = caught.value
    assert {v.field for v in error.violations} == {"description", "reporter.phone", "reporter.email"}
    problem = problem_for(error)
    assert problem.status == 400
    assert {entry["field"] for entry in problem.errors} == {"description", "reporter.phone", "reporter.email"}


@pytest.mark.parametrize(
    ("channel", "fields", "field"),
    [
        (Channel.EMAIL, {}, "reporter.email"),
        (Channel.SMS, {"reporter": {"email": "a@example.com"}}, "reporter.phone"),
        (Channel.WEB_FORM, {"reporter": {"name": "Li"}}, "reporter"),
        (Channel.PARTNER, {}, "partner_request_id"),
        (Channel.ALARM, {"hints": {"serial_number": "SN"}}, "alarm_code"),
        (Channel.ALARM, {"alarm_code": "LINK_DOWN"}, "hints.serial_number"),
    ],
)
def test_channel_rules(channel: Channel, fields: dict[str, Any], field: str) -> None:
    assert field in violations(channel=channel, **fields)


def test_channels_that_may_be_anonymous() -> None:
    # an unknown caller is not rejected: the desk identifies it later
    for channel in (Channel.AGENT_PHONE, Channel.FAX, Channel.INSPECTION):
        assert make(channel=channel).reporter.phone is None


def test_quoted_case_number_means_add_note() -> None:
    request = make(quoted_case_number="ea-20261121-000042")
    assert request.quoted_case_number == "EA-20261121-000042"
    assert request.adds_to_case


def test_attachments_get_storage_keys_later() -> None:
    ref = AttachmentRef(filename="../../etc/passwd", content_type="Text/Plain", size_bytes=3, sha256=SHA)
    request = make(channel=Channel.FAX, attachments=[ref])
    assert request.attachments[0].filename == ".._.._etc_passwd"
    assert request.attachments[0].content_type == "text/plain"
    stored = request.with_attachments((ref.model_copy(update={"storage_key": "fs/ab/cd"}),))
    assert stored.attachments[0].storage_key == "fs/ab/cd"
    assert request.attachments[0].storage_key is None


def test_attachment_ref_validation() -> None:
    found = violations(attachments=[{"filename": " ", "content_type": "nonsense", "size_bytes": -1, "sha256": "x"}])
    assert {"attachments.0.filename", "attachments.0.content_type", "attachments.0.size_bytes"} <= set(found)
    assert "attachments.0.sha256" in found


def test_from_mapping_for_http_bodies() -> None:
    body = {"channel": "web_form", "received_at": "2026-11-21T02:00:00Z", "description": "门禁坏了",
            "reporter": {"phone": "+86 138 0013 8000"}}  # fmt: skip
    request = IntakeRequest.from_mapping(body)
    assert request.received_at == NOW
    assert request.reporter.phone == "+8613800138000"
