"""Building an `IntakeRequest` from what a synchronous channel sent (gRPC message or HTTP body):
the edge's one place for channel defaults, attachment limits and who the partner is."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import InvalidArgument, PermissionDenied

from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.handlers.pipeline import Upload

SUBMITTERS = (Role.PARTNER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
AGENTS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class AttachmentLimits:
    max_attachments: int
    max_attachment_bytes: int


def require_submitter(principal: Principal) -> None:
    if principal.role not in SUBMITTERS:
        raise PermissionDenied(f"a {principal.role.value} may not submit reports here; customers use the web form")


def uploads(items: Sequence[tuple[str, str, bytes]], limits: AttachmentLimits, field: str = "attachments") -> list[
    Upload
]:
    if len(items) > limits.max_attachments:
        raise InvalidArgument.for_field(field, f"at most {limits.max_attachments} attachments, got {len(items)}")
    found = []
    for index, (filename, content_type, data) in enumerate(items):
        if len(data) > limits.max_attachment_bytes:
            raise InvalidArgument.for_field(f"{field}[{index}].content",
                                            f"{len(data)} bytes, over the limit of {limits.max_attachment_bytes}")
        if not data:
            raise InvalidArgument.for_field(f"{field}[{index}].content", "is empty")
        found.append(Upload(filename or f"attachment-{index + 1}", content_type or "application/octet-stream", data))
    return found


def decode_base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument.for_field(field, "is not base64") from None


def report_fields(*, reporter: dict[str, Any], hints: dict[str, Any], summary: str | None, description: str | None,
                  error_codes: Sequence[str], category: str | None, kind: str | None, severity: str | None,
                  quoted_case_number: str | None, requested_response: Any = None) -> dict[str, Any]:
    """The channel-independent part of an IntakeRequest (empty strings mean "not given")."""
    return {
        "reporter": {k: v for k, v in reporter.items() if v},
        "hints": {k: v for k, v in hints.items() if v},
        "summary": summary or None,
        "description": description or "",
        "error_codes": tuple(error_codes),
        "category": category or None,
        "kind": kind or None,
        "stated_severity": severity or None,
        "quoted_case_number": quoted_case_number or None,
        "customer_requested_response": requested_response,
    }


def submitted_request(principal: Principal, fields: dict[str, Any], partner_request_id: str,
                      received_at: datetime, channel: Channel | None = None, priority: str | None = None
                      ) -> IntakeRequest:
    """SubmitCase: a partner key reports on the partner channel, staff on the hotline (or fax) channel;
    the submitter is the token's subject and role, never a field a caller could forge. Only staff set
    a priority (it wins over the suggestion)."""
    if principal.role is Role.PARTNER:
        if not partner_request_id.strip():
            raise InvalidArgument.for_field("partner_request_id", "is required: your own id for this report")
        if priority:
            raise InvalidArgument.for_field("priority", "a partner states a severity; the desk sets the priority")
        chosen = Channel.PARTNER
    else:
        chosen = channel or Channel.AGENT_PHONE
        # the inspection service (a system caller) reports its findings on the inspection channel
        allowed = (Channel.AGENT_PHONE, Channel.FAX) + ((Channel.INSPECTION,) if principal.role is Role.SYSTEM else ())
        if chosen not in allowed:
            raise InvalidArgument.for_field("channel", "staff enter reports as agent_phone or fax; "
                                                       "only a system caller reports on the inspection channel")
    return IntakeRequest.create(channel=chosen, received_at=received_at, partner_id=principal.subject,
                                partner_request_id=partner_request_id.strip() or None, priority=priority or None,
                                submitter_role=principal.role.value, **fields)


def alarm_request(principal: Principal, *, alarm_id: str, serial_number: str, manufacturer: str, alarm_code: str,
                  description: str, severity: str | None, raised_at: datetime, hints: dict[str, Any]) -> IntakeRequest:
    if not alarm_code.strip():
        raise InvalidArgument.for_field("alarm_code", "is required")
    if not serial_number.strip():
        raise InvalidArgument.for_field("serial_number", "is required: the asset that raised the alarm")
    text = description.strip() or f"Alarm {alarm_code.strip()} on {serial_number.strip()}"
    merged = {**{k: v for k, v in hints.items() if v}, "serial_number": serial_number,
              "manufacturer": manufacturer or hints.get("manufacturer") or None}
    return IntakeRequest.create(
        channel=Channel.ALARM, received_at=raised_at, partner_id=principal.subject, description=text,
        alarm_code=alarm_code, channel_message_id=alarm_id or None, stated_severity=severity or None,
        hints={k: v for k, v in merged.items() if v})
