"""`IntakeRequest`: the one normalised shape every channel produces.

Build it with `IntakeRequest.create(...)` (or `from_mapping`): every problem is reported as an
`InvalidArgument` naming the field (`reporter.phone`, `description`, ...), so it maps to
INVALID_ARGUMENT / 400 at the edge. A request that quotes a case number adds a note to that
case instead of opening a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Self

from aftercare_platform.errors import FieldViolation, InvalidArgument
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intake.domain.case_numbers import is_case_number
from intake.domain.contact_points import InvalidContactPoint, normalise_email, normalise_phone
from intake.domain.text import clean_line, clean_text
from intake.domain.vocabulary import CaseKind, Category, Channel, Priority, StatedSeverity

MAX_DESCRIPTION_CHARS = 20_000
MAX_SUMMARY_CHARS = 200
MAX_NAME_CHARS = 200
MAX_HINT_CHARS = 200
MAX_ERROR_CODES = 50
MAX_ERROR_CODE_CHARS = 100
MAX_ATTACHMENTS = 50
MAX_FILENAME_CHARS = 255

# Channels whose reporter must be reachable from the request itself.
_NEEDS_EMAIL = {Channel.EMAIL}
_NEEDS_PHONE = {Channel.SMS}
_NEEDS_PHONE_OR_EMAIL = {Channel.WEB_FORM}


def _optional_line(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    text = clean_line(value)
    if not text:
        return None
    if len(text) > limit:
        raise ValueError(f"is longer than {limit} characters")
    return text


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reporter(_Frozen):
    """Who reported it, as far as the channel knows; identification against the registry comes later."""

    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return _optional_line(value, MAX_NAME_CHARS)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalise_phone(value)
        except InvalidContactPoint as problem:
            raise ValueError(str(problem)) from None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalise_email(value)
        except InvalidContactPoint as problem:
            raise ValueError(str(problem)) from None


class Hints(_Frozen):
    """What the reporter said about company, contract, site and asset; resolved against the registry later."""

    company: str | None = None  # id or name as given
    contract_id: str | None = None
    site: str | None = None
    asset_id: str | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    model: str | None = None

    @field_validator("*")
    @classmethod
    def _line(cls, value: str | None) -> str | None:
        return _optional_line(value, MAX_HINT_CHARS)

    @property
    def device(self) -> str | None:
        """The device the report names: its serial number, else its asset id."""
        return self.serial_number or self.asset_id


class AttachmentRef(_Frozen):
    """An attachment by reference; `storage_key` is set once the bytes are stored."""

    filename: str
    content_type: str = "application/octet-stream"
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    storage_key: str | None = None
    # what is wrong with it, shown beside it on the case (e.g. "damaged: its encoding is truncated")
    note: str | None = Field(default=None, max_length=300)

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        text = clean_line(value).replace("/", "_").replace("\\", "_")
        if not text:
            raise ValueError("must not be empty")
        return text[-MAX_FILENAME_CHARS:]

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        text = clean_line(value).lower()
        if "/" not in text or len(text) > 255:
            raise ValueError("is not a media type like text/plain")
        return text


class IntakeRequest(_Frozen):
    channel: Channel
    received_at: datetime
    description: str
    summary: str | None = None
    reporter: Reporter = Reporter()
    hints: Hints = Hints()
    error_codes: tuple[str, ...] = ()
    category: Category | None = None
    kind: CaseKind | None = None
    stated_severity: StatedSeverity | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    channel_message_id: str | None = None  # Message-ID, SMS id, form submission id: retransmits are dropped by it
    partner_id: str | None = None
    partner_request_id: str | None = None  # idempotency key of a partner submission
    alarm_code: str | None = None
    quoted_case_number: str | None = None  # set: add a note to that case instead of opening one
    customer_requested_response: timedelta | None = None  # the response time the customer asked for (003 §3)
    priority: Priority | None = None  # set by the agent: wins over the suggestion (staff channels only)
    submitter_role: str | None = None  # the role of `partner_id` (the token's subject): agent, partner, ...

    @property
    def adds_to_case(self) -> bool:
        return self.quoted_case_number is not None

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must carry a time zone")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        text = clean_text(value)
        if not text:
            raise ValueError("must not be empty")
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise ValueError(f"is longer than {MAX_DESCRIPTION_CHARS} characters")
        return text

    @field_validator("customer_requested_response")
    @classmethod
    def _requested(cls, value: timedelta | None) -> timedelta | None:
        # bounded: a year is no response time, and protobuf Durations have a range
        if value is not None and not timedelta(0) < value <= timedelta(days=366):
            raise ValueError("must be a positive duration of at most 366 days")
        return value

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str | None) -> str | None:
        return _optional_line(value, MAX_SUMMARY_CHARS)

    @field_validator("channel_message_id", "partner_id", "partner_request_id", "alarm_code")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        return _optional_line(value, MAX_HINT_CHARS)

    @field_validator("error_codes")
    @classmethod
    def _error_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        codes: list[str] = []
        for raw in value:
            code = clean_line(raw)
            if not code:
                continue
            if len(code) > MAX_ERROR_CODE_CHARS:
                raise ValueError(f"an error code is longer than {MAX_ERROR_CODE_CHARS} characters")
            if code not in codes:
                codes.append(code)
        if len(codes) > MAX_ERROR_CODES:
            raise ValueError(f"more than {MAX_ERROR_CODES} error codes")
        return tuple(codes)

    @field_validator("attachments")
    @classmethod
    def _attachment_count(cls, value: tuple[AttachmentRef, ...]) -> tuple[AttachmentRef, ...]:
        if len(value) > MAX_ATTACHMENTS:
            raise ValueError(f"more than {MAX_ATTACHMENTS} attachments")
        return value

    @field_validator("quoted_case_number")
    @classmethod
    def _case_number(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = value.strip().upper()
        if not is_case_number(text):
            raise ValueError("is not a case number like EA-20261121-000042")
        return text

    @model_validator(mode="after")
    def _channel_rules(self) -> Self:
        # model-level messages are "<field>: <description>" so the field can still be named
        reporter = self.reporter
        if self.channel in _NEEDS_EMAIL and reporter.email is None:
            raise ValueError(f"reporter.email: is required for the {self.channel} channel")
        if self.channel in _NEEDS_PHONE and reporter.phone is None:
            raise ValueError(f"reporter.phone: is required for the {self.channel} channel")
        if self.channel in _NEEDS_PHONE_OR_EMAIL and reporter.phone is None and reporter.email is None:
            raise ValueError(f"reporter: a phone or an email is required for the {self.channel} channel")
        if self.priority is not None and self.channel not in (Channel.AGENT_PHONE, Channel.FAX):
            raise ValueError("priority: only the desk sets a priority; other channels state a severity")
        if self.channel is Channel.PARTNER and self.partner_request_id is None:
            raise ValueError("partner_request_id: is required for the partner channel")
        if self.channel is Channel.ALARM:
            if self.alarm_code is None:
                raise ValueError("alarm_code: is required for the alarm channel")
            if self.hints.asset_id is None and self.hints.serial_number is None:
                raise ValueError("hints.serial_number: an alarm must name its asset (asset_id or serial number)")
        return self

    @classmethod
    def create(cls, **fields: Any) -> IntakeRequest:
        """Validate and normalise; raises `InvalidArgument` listing every field at fault."""
        return cls.from_mapping(fields)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IntakeRequest:
        try:
            return cls.model_validate(dict(data))
        except ValidationError as invalid:
            raise invalid_argument_from(invalid) from None

    def with_attachments(self, attachments: tuple[AttachmentRef, ...]) -> IntakeRequest:
        """The same request with its attachments replaced (e.g. once stored and given storage keys)."""
        return IntakeRequest.from_mapping({**self.model_dump(), "attachments": attachments})


def invalid_argument_from(invalid: ValidationError) -> InvalidArgument:
    """One `InvalidArgument` listing every violation, each named by its dotted field path."""
    violations: list[FieldViolation] = []
    for error in invalid.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        context = error.get("ctx") or {}
        description = str(context["error"]) if error["type"] == "value_error" and "error" in context else error["msg"]
        if not field and ": " in description:
            field, description = description.split(": ", 1)
        violations.append(FieldViolation(field or "request", description))
    detail = "; ".join(f"{v.field}: {v.description}" for v in violations)
    return InvalidArgument(detail, violations=violations)
