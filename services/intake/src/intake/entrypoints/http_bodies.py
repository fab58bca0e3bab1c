"""HTTP request bodies: read within a size limit, parsed into models whose errors name the field."""

from __future__ import annotations

import json
from typing import Literal, TypeVar

from aftercare_platform.errors import InvalidArgument, PayloadTooLarge
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.domain.intake_request import invalid_argument_from

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes — before reading it when Content-Length says so."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; at most {limit} are accepted", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes, model: type[M]) -> M:
    if not raw.strip():
        raise InvalidArgument.for_field("body", "is empty: send a JSON object")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as bad:
        raise InvalidArgument.for_field("body", f"is not JSON ({bad})") from None
    if not isinstance(data, dict):
        raise InvalidArgument.for_field("body", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        raise invalid_argument_from(invalid) from None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReporterBody(_Body):
    name: str | None = Field(default=None, max_length=1_000)
    phone: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=1_000)


class HintsBody(_Body):
    company: str | None = None
    contract_id: str | None = None
    site: str | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    model: str | None = None


class AttachmentBody(_Body):
    filename: str = Field(max_length=1_000)
    content_type: str | None = Field(default=None, max_length=255)
    content_base64: str


class ReportBody(_Body):
    reporter: ReporterBody = ReporterBody()
    hints: HintsBody = HintsBody()
    summary: str | None = None
    description: str = ""
    error_codes: list[str] = Field(default_factory=list, max_length=200)
    category: str | None = None
    kind: str | None = None
    severity: str | None = None
    quoted_case_number: str | None = None
    # ISO 8601 ("PT30M") or seconds; checked (positive) with the rest of the report
    customer_requested_response: str | float | None = None
    attachments: list[AttachmentBody] = Field(default_factory=list, max_length=200)


class AgentEntryBody(ReportBody):
    channel: Literal["agent_phone", "fax"] = "agent_phone"
    # the priority the agent sets: it wins over the suggestion, which is kept for the record
    priority: Literal["P1", "P2", "P3", "P4"] | None = None
    # the desk tool's own id for this entry: sending it twice makes one submission
    request_id: str | None = Field(default=None, max_length=200)
